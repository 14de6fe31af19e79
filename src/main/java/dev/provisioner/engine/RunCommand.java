package dev.provisioner.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.pulumi.automation.AutomationException;
import com.pulumi.automation.CommandException;
import com.pulumi.automation.CommandResult;
import com.pulumi.automation.CommandRunOptions;
import com.pulumi.automation.ConcurrentUpdateException;
import com.pulumi.automation.PulumiCommand;
import com.pulumi.automation.StackAlreadyExistsException;
import com.pulumi.automation.StackNotFoundException;
import com.pulumi.automation.Version;
import com.pulumi.automation.serialization.internal.LocalSerializer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The Automation API's view of the CLI for one provisioning run. Unlike the SDK's own command it runs a
 * configured binary, keeps the handle of the process it started (so the run can be signalled), and
 * serves the engine's event log on loopback as raw JSON, so that no event or field is lost in the
 * SDK's mapping.
 *
 * <p>It also names the stack on every operation, and starts no process for what the run already knows
 * ({@link KnownAnswers}; README, "The engine adapter"). Secret outputs are never read in the clear.
 */
final class RunCommand implements PulumiCommand {

    /** For {@code --color}: messages go to the audit trail as plain text. */
    static final String COLOR = "never";

    /** The commands that run the engine and so have an event log. */
    private static final Set<String> OPERATIONS = Set.of("up", "preview", "refresh", "destroy");

    // How the CLI words these failures; the SDK maps them to exceptions the same way.
    private static final Pattern STACK_NOT_FOUND = Pattern.compile("no stack named.*found");
    private static final Pattern STACK_EXISTS = Pattern.compile("stack.*already exists");
    private static final String LOCKED = "the stack is currently locked by";
    private static final String CONFLICT = "[409] Conflict: Another update is currently in progress.";
    /** The exit code of a command that was not started because the run was cancelled (as after SIGINT). */
    private static final int CANCELLED_EXIT = 130;

    private final PulumiCli cli;
    private final ObjectMapper mapper;
    private final Consumer<String> events;
    private final Duration drainTimeout;
    private final Optional<String> otelTraces;
    private final Watchdog watchdog;
    private volatile CliProcess process;
    private volatile boolean cancelled;
    private final KnownAnswers known;

    /**
     * @param events receives each engine event's JSON, in engine order, from one thread at a time
     * @param otelTraces where operations export the CLI's spans ({@code --otel-traces}), if anywhere
     */
    RunCommand(
            PulumiCli cli,
            ObjectMapper mapper,
            Consumer<String> events,
            Duration drainTimeout,
            Optional<String> otelTraces) {
        this(cli, mapper, events, drainTimeout, otelTraces, Watchdog.NONE);
    }

    /** As the other constructor, every CLI of the run under {@code watchdog}. */
    RunCommand(
            PulumiCli cli,
            ObjectMapper mapper,
            Consumer<String> events,
            Duration drainTimeout,
            Optional<String> otelTraces,
            Watchdog watchdog) {
        this.cli = cli;
        this.mapper = mapper;
        this.events = events;
        this.drainTimeout = drainTimeout;
        this.otelTraces = otelTraces;
        this.known = new KnownAnswers(mapper);
        this.watchdog = watchdog;
    }

    /** Every CLI of the run runs under {@code script}, heart-beaten while {@code fence} holds. */
    record Watchdog(StackFence fence, java.nio.file.Path script, Duration timeout) {

        static final Watchdog NONE = new Watchdog(StackFence.NONE, null, Duration.ZERO);
    }

    /** Whether the run may still write its stack. */
    StackFence fence() {
        return watchdog.fence();
    }

    @Override
    public Version version() {
        return cli.version();
    }

    /**
     * Makes every operation name {@code name} ({@code --stack}: the SDK drops it), so the CLI's selected stack
     * no longer matters; {@code exists}: the backend holds it, and selecting it starts no process.
     */
    void forStack(String name, boolean exists) {
        known.forStack(name, exists);
    }

    /** No operation starts from now on, and the running process, if any, is asked to stop. */
    void cancel() {
        cancelled = true;
        signal();
    }

    /**
     * Signals the CLI process running now, if any: the first signal makes the engine cancel gracefully
     * (it finishes the steps under way), a second one makes it terminate.
     */
    void signal() {
        CliProcess running = process;
        if (running != null) {
            running.signal();
        }
    }

    /** Kills the CLI process running now and its children, if any. */
    void kill() {
        CliProcess running = process;
        if (running != null) {
            running.kill();
        }
    }

    @Override
    public CommandResult run(List<String> args, CommandRunOptions options) throws AutomationException {
        if (args.isEmpty() || !OPERATIONS.contains(args.get(0))) {
            Optional<CommandResult> answer = known.answer(args);
            return answer.isPresent() ? answer.get() : read(args, options);
        }
        if (cancelled) {
            throw new CommandException(new CommandResult(CANCELLED_EXIT, "", "cancelled before the engine started"));
        }
        known.operationStarts();
        Consumer<String> observed = json -> {
            events.accept(json);
            known.observe(json);
        };
        Consumer<String> sink = observed;
        if (options.onEngineEvent() != null) {
            // The SDK listens itself on preview (to read its summary): give it its own mapping too.
            var sdk = options.onEngineEvent();
            var serializer = new LocalSerializer();
            sink = json -> {
                observed.accept(json);
                sdk.accept(serializer.deserializeJson(json, com.pulumi.automation.events.EngineEvent.class));
            };
        }
        List<String> operation = new ArrayList<>(args);
        if (known.stack() != null && !args.contains("--stack")) {
            operation.add("--stack");
            operation.add(known.stack());
        }
        if (otelTraces.isPresent()) {
            operation.add("--otel-traces");
            operation.add(otelTraces.get());
        }
        CommandResult result;
        try (var server = EngineEventServer.start(sink)) {
            result = start(operation, options, server);
        }
        known.operationSucceeded(args.get(0));
        return result;
    }

    /** A command that is no operation; a read of the stack's outputs is of masked values only. */
    private CommandResult read(List<String> args, CommandRunOptions options) throws AutomationException {
        if (!KnownAnswers.isStackOutput(args)) {
            return start(args, options, null);
        }
        List<String> masked = new ArrayList<>(args);
        masked.remove("--show-secrets");
        return known.outputsRead(start(masked, options, null));
    }

    /**
     * Runs an operation without its event log, for repairs the run's own events must not be mixed with: each
     * command's events start again from sequence 0.
     */
    CommandResult runUnobserved(List<String> args, CommandRunOptions options) throws AutomationException {
        if (cancelled) {
            throw new CommandException(new CommandResult(CANCELLED_EXIT, "", "cancelled before the engine started"));
        }
        return start(args, options, null);
    }

    private CommandResult start(List<String> args, CommandRunOptions options, EngineEventServer eventServer)
            throws AutomationException {
        List<String> command = new ArrayList<>(args.size() + 3);
        command.addAll(args);
        if (!command.contains("--non-interactive")) {
            command.add("--non-interactive");
        }
        Map<String, String> env = new HashMap<>(options.additionalEnv());
        if (eventServer != null) {
            command.add("--event-log");
            command.add(eventServer.address());
            // The CLI only accepts --event-log with this set.
            env.put("PULUMI_DEBUG_COMMANDS", "true");
        }
        try {
            CliProcess started = CliProcess.of(cli.binary(), command)
                    .workingDir(options.workingDir())
                    .environment(env)
                    .onOutput(options.onStandardOutput(), options.onStandardError())
                    .fencedBy(watchdog.fence(), watchdog.script(), watchdog.timeout())
                    .start();
            process = started;
            CommandResult result = started.await();
            if (eventServer != null) {
                eventServer.awaitStreamClosed(drainTimeout);
            }
            if (result.code() != 0) {
                throw failure(result);
            }
            return result;
        } catch (IOException e) {
            throw new AutomationException("cannot start " + cli.binary() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AutomationException(e);
        } finally {
            process = null;
        }
    }

    /**
     * The stack's outputs as the last operation's events or the last read showed them, typed, each with whether
     * it is a secret; a secret's value is never known here ({@code null}).
     */
    Map<String, EngineResult.StackOutput> outputs() {
        return known.outputs();
    }

    private static CommandException failure(CommandResult result) {
        String err = result.standardError();
        if (STACK_NOT_FOUND.matcher(err).find()) {
            return new StackNotFoundException(result);
        }
        if (STACK_EXISTS.matcher(err).find()) {
            return new StackAlreadyExistsException(result);
        }
        if (err.contains(LOCKED) || err.contains(CONFLICT)) {
            return new ConcurrentUpdateException(result);
        }
        return new CommandException(result);
    }
}
