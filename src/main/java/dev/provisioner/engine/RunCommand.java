package dev.provisioner.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.util.LinkedHashMap;
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
 * <p>It also starts no process for what it already knows (README, "The engine adapter"): every operation
 * names its stack, so selecting a stack the backend is known to hold needs no CLI; after an operation the SDK
 * reads the stack's outputs and its latest update, which the operation's own events carried (the root Stack's
 * outputs event, secrets blinded by the engine, and the summary). Secret outputs are never read in the clear.
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
    private static final String SECRET_MASK = "[secret]";
    /** The key and value that mark a secret in the engine's events ({@code resource.SecretSig}). */
    private static final String SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

    private static final String STACK_TYPE = "pulumi:pulumi:Stack";
    /** The exit code of a command that was not started because the run was cancelled (as after SIGINT). */
    private static final int CANCELLED_EXIT = 130;

    private final PulumiCli cli;
    private final ObjectMapper mapper;
    private final Consumer<String> events;
    private final Duration drainTimeout;
    private final Optional<String> otelTraces;
    private volatile CliProcess process;
    private volatile boolean cancelled;
    /** The stack every operation names, or null (a read that names its own). */
    private volatile String stack;
    /** Whether the backend is known to hold {@link #stack}. */
    private volatile boolean stackExists;
    /** The stack's outputs, secrets as {@value #SECRET_MASK}; null until an operation or a read showed them. */
    private volatile ObjectNode outputs;
    /** The kind ({@code update}, …) of the operation that succeeded last, or null. */
    private volatile String lastUpdate;

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
        this.cli = cli;
        this.mapper = mapper;
        this.events = events;
        this.drainTimeout = drainTimeout;
        this.otelTraces = otelTraces;
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
        this.stack = name;
        this.stackExists = exists;
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
            Optional<CommandResult> known = answered(args);
            return known.isPresent() ? known.get() : read(args, options);
        }
        if (cancelled) {
            throw new CommandException(new CommandResult(CANCELLED_EXIT, "", "cancelled before the engine started"));
        }
        outputs = null;
        lastUpdate = null;
        Consumer<String> observed = json -> {
            events.accept(json);
            observe(json);
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
        if (stack != null && !args.contains("--stack")) {
            operation.add("--stack");
            operation.add(stack);
        }
        if (otelTraces.isPresent()) {
            operation.add("--otel-traces");
            operation.add(otelTraces.get());
        }
        CommandResult result;
        try (var server = EngineEventServer.start(sink)) {
            result = start(operation, options, server);
        }
        lastUpdate = switch (args.get(0)) {
            case "up" -> "update";
            case "refresh" -> "refresh";
            case "destroy" -> "destroy";
            default -> null;
        };
        return result;
    }

    /** What the run already knows of a command's answer, so that no process need start for it. */
    private Optional<CommandResult> answered(List<String> args) {
        if (args.size() < 2 || !args.get(0).equals("stack")) {
            return Optional.empty();
        }
        String verb = args.get(1);
        if (verb.equals("select") && stackExists && stack != null && args.contains(stack)) {
            // Every operation names the stack: selecting it would change nothing the run uses.
            return Optional.of(new CommandResult(0, "", ""));
        }
        if (isStackOutput(args) && outputs != null) {
            return Optional.of(new CommandResult(0, asText(outputs), ""));
        }
        if (verb.equals("history") && lastUpdate != null && !args.contains("--stack") && args.contains("1")) {
            // The SDK's look at the update that just succeeded: its summary event said all the run uses.
            ObjectNode update =
                    mapper.createObjectNode().put("kind", lastUpdate).put("result", "succeeded");
            return Optional.of(
                    new CommandResult(0, mapper.createArrayNode().add(update).toString(), ""));
        }
        return Optional.empty();
    }

    /** A command that is no operation; a read of the stack's outputs is of masked values only. */
    private CommandResult read(List<String> args, CommandRunOptions options) throws AutomationException {
        if (!isStackOutput(args)) {
            return start(args, options, null);
        }
        List<String> masked = new ArrayList<>(args);
        masked.remove("--show-secrets");
        CommandResult result = start(masked, options, null);
        outputs = parseOutputs(result.standardOutput());
        return new CommandResult(result.code(), asText(outputs), result.standardError());
    }

    /** Keeps what the run's answers need from an engine event: the root stack's outputs. */
    private void observe(String json) {
        if (!json.contains("\"resOutputsEvent\"") || !json.contains("\"type\":\"" + STACK_TYPE + "\"")) {
            return;
        }
        try {
            JsonNode metadata = mapper.readTree(json).path("resOutputsEvent").path("metadata");
            if (!STACK_TYPE.equals(metadata.path("type").asText())) {
                return;
            }
            JsonNode stackOutputs = metadata.path("new").path("outputs");
            if (!stackOutputs.isObject()) {
                return;
            }
            ObjectNode kept = mapper.createObjectNode();
            stackOutputs
                    .fields()
                    .forEachRemaining(e -> kept.set(
                            e.getKey(),
                            holdsSecret(e.getValue()) ? mapper.getNodeFactory().textNode(SECRET_MASK) : e.getValue()));
            outputs = kept;
        } catch (JsonProcessingException e) {
            // Not an event this run can read; the outputs are then read from the state.
        }
    }

    private static boolean holdsSecret(JsonNode value) {
        if (value.isObject() && value.has(SECRET_SIG_KEY)) {
            return true;
        }
        for (JsonNode inner : value) {
            if (holdsSecret(inner)) {
                return true;
            }
        }
        return false;
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
        Map<String, EngineResult.StackOutput> known = new LinkedHashMap<>();
        ObjectNode shown = outputs;
        if (shown == null) {
            return known;
        }
        shown.fields().forEachRemaining(e -> {
            boolean secret = SECRET_MASK.equals(e.getValue().asText(null));
            known.put(
                    e.getKey(),
                    new EngineResult.StackOutput(
                            secret ? null : mapper.convertValue(e.getValue(), Object.class), secret));
        });
        return known;
    }

    private static boolean isStackOutput(List<String> args) {
        return args.size() > 1
                && args.get(0).equals("stack")
                && args.get(1).equals("output")
                && args.contains("--json");
    }

    private ObjectNode parseOutputs(String printed) throws AutomationException {
        try {
            JsonNode read = printed.isBlank() ? mapper.createObjectNode() : mapper.readTree(printed);
            return read instanceof ObjectNode object ? object : mapper.createObjectNode();
        } catch (JsonProcessingException e) {
            throw new AutomationException("`pulumi stack output --json` printed no JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * The SDK (1.36.1) reads {@code stack output --json} as a map of strings and fails on any other output, a
     * list or a number: it gets each value as JSON text.
     */
    private String asText(ObjectNode printed) {
        ObjectNode asText = mapper.createObjectNode();
        printed.fields()
                .forEachRemaining(e -> asText.put(
                        e.getKey(),
                        e.getValue().isTextual()
                                ? e.getValue().asText()
                                : e.getValue().toString()));
        return asText.toString();
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
