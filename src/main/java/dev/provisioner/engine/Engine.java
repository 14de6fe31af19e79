package dev.provisioner.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.pulumi.automation.AutomationException;
import com.pulumi.automation.CommandException;
import com.pulumi.automation.ConcurrentUpdateException;
import com.pulumi.automation.DestroyOptions;
import com.pulumi.automation.PreviewOptions;
import com.pulumi.automation.RefreshOptions;
import com.pulumi.automation.StackAlreadyExistsException;
import com.pulumi.automation.UpOptions;
import com.pulumi.automation.WorkspaceStack;
import dev.provisioner.DaemonThreads;
import dev.provisioner.contract.Completion;
import dev.provisioner.contract.Operation;
import dev.provisioner.event.EngineEvent;
import dev.provisioner.event.EngineEvents;
import dev.provisioner.event.SecretRedactor;
import io.smallrye.mutiny.operators.multi.processors.UnicastProcessor;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * Runs operations on the real Pulumi CLI through the Automation API, each on a thread of its own, and hands
 * out their engine events as they come; runs on one stack must not overlap (the intake orders them).
 */
@ApplicationScoped
public class Engine {

    private final EngineConfig config;
    private final EngineEvents parser;
    private final ConfiguredCli cli;
    private final Workspaces workspaces;
    private final StackHistory history;
    private final StackRecovery recovery;
    private final ExecutorService runs = Executors.newCachedThreadPool(DaemonThreads.named("pulumi-run"));
    private final ScheduledExecutorService scheduler =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("pulumi-cancel"));

    Engine(
            EngineConfig config,
            ObjectMapper mapper,
            ConfiguredCli cli,
            Workspaces workspaces,
            StackHistory history,
            StackRecovery recovery) {
        this.config = config;
        this.parser = new EngineEvents(mapper);
        this.cli = cli;
        this.workspaces = workspaces;
        this.history = history;
        this.recovery = recovery;
        SdkLogging.keepServiceLevels();
    }

    /**
     * The CLI the engine runs, located on first use.
     *
     * @throws AutomationException if the configured binary is missing or unsupported
     */
    public PulumiCli cli() throws AutomationException {
        return cli.get();
    }

    /** Starts an operation on a thread of its own and returns at once. */
    public EngineRun start(RunSpec spec) {
        return start(spec, repaired -> {});
    }

    /**
     * Starts an operation on a thread of its own and returns at once. When a crashed run left the stack
     * locked, {@code onRecovery} learns what the engine repaired, on the run's thread, before the operation
     * runs again; if it throws, the operation does not run.
     */
    public EngineRun start(RunSpec spec, Consumer<Recovery> onRecovery) {
        return start(spec, StackFence.NONE, onRecovery);
    }

    /**
     * As {@link #start(RunSpec, Consumer)}, for a run that holds the stack by {@code fence}: each of its CLIs runs
     * under a watchdog that kills it once the fence stops holding, and a locked or damaged stack is recovered
     * whoever left it so, since the fence proves that writer gone.
     */
    public EngineRun start(RunSpec spec, StackFence fence, Consumer<Recovery> onRecovery) {
        UnicastProcessor<EngineEvent> events = UnicastProcessor.create();
        CompletableFuture<EngineResult> result = new CompletableFuture<>();
        PulumiCli located;
        try {
            located = cli();
        } catch (AutomationException e) {
            events.onComplete();
            result.complete(EngineResult.of(EngineResult.Status.FAILED, Map.of(), e.getMessage()));
            return new EngineRun(spec, events, result, null, scheduler, config.cancelEscalation());
        }
        var secrets = new SecretRedactor(spec.secrets());
        var command = new RunCommand(
                located,
                parser.mapper(),
                json -> emit(events, json, secrets),
                config.eventStreamDrainTimeout(),
                config.otelTraces(),
                watchdog(fence));
        var run = new EngineRun(spec, events, result, command, scheduler, config.cancelEscalation());
        runs.execute(() -> {
            EngineResult outcome;
            try {
                outcome = execute(run, command, onRecovery);
            } catch (RuntimeException | Error e) {
                outcome = EngineResult.of(EngineResult.Status.FAILED, Map.of(), e.toString());
            }
            synchronized (events) {
                events.onComplete();
            }
            result.complete(outcome);
        });
        return run;
    }

    private RunCommand.Watchdog watchdog(StackFence fence) {
        if (fence == StackFence.NONE) {
            return RunCommand.Watchdog.NONE;
        }
        try {
            return new RunCommand.Watchdog(
                    fence, CliWatchdog.install(config.workDir().resolve("bin")), config.watchdogTimeout());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot write the CLI's watchdog", e);
        }
    }

    private void emit(UnicastProcessor<EngineEvent> events, String json, SecretRedactor secrets) {
        EngineEvent event;
        try {
            event = parser.parse(json, secrets);
        } catch (IllegalArgumentException e) {
            // Not an event we can read, but still part of the record: keep the text as it came.
            ObjectNode raw = parser.mapper().createObjectNode().put("unparsedEvent", json);
            secrets.redact(raw);
            event = new EngineEvent.Unknown(-1, 0, raw);
        }
        synchronized (events) {
            events.onNext(event);
        }
    }

    /**
     * The run's command sequence (README, "The engine adapter"): the stack, and its history for the redelivery
     * check; the configuration only when it changed; the operation. Outputs and the SDK's look at the update come
     * from the operation's own events.
     */
    private EngineResult execute(EngineRun run, RunCommand command, Consumer<Recovery> onRecovery) {
        RunSpec spec = run.spec();
        StackFence fence = command.fence();
        // One recovered record per attempt (its ce_id is the phase's): damaged files are repaired before any
        // CLI runs, so their record names the locks too, read from the files.
        boolean recorded;
        try {
            recorded = repairDamaged(spec, fence, onRecovery);
        } catch (IOException e) {
            return EngineResult.of(EngineResult.Status.FAILED, Map.of(), bounded(describe(e)));
        }
        try {
            List<HistoryEntry> updates = new ArrayList<>();
            try (WorkspaceStack stack = open(spec, command, updates)) {
                return execute(run, stack, command, updates, recorded ? recovery -> {} : onRecovery);
            }
        } catch (CommandException e) {
            var status = run.cancellation() != null ? EngineResult.Status.CANCELLED : EngineResult.Status.FAILED;
            return EngineResult.of(status, Map.of(), bounded(e.getMessage()));
        } catch (Exception e) {
            return EngineResult.of(EngineResult.Status.FAILED, Map.of(), bounded(describe(e)));
        }
    }

    /**
     * The spec's stack, its latest updates added to {@code updates}. The workspace is a hint, the backend decides:
     * a stack this replica has a workspace for most likely exists, so its history comes first and says so; one it
     * has none for is most likely new, so {@code stack init} comes first, and a stack it creates has no history.
     * Either way a stack that already existed has its history read.
     */
    private WorkspaceStack open(RunSpec spec, RunCommand command, List<HistoryEntry> updates)
            throws AutomationException, IOException {
        if (workspaces.exists(spec)) {
            Optional<List<HistoryEntry>> read = history.read(spec.project(), spec.stack(), command);
            if (read.isPresent()) {
                updates.addAll(read.get());
                return workspaces.open(spec, command, true);
            }
        }
        try {
            return workspaces.open(spec, command, false);
        } catch (StackAlreadyExistsException | ConcurrentUpdateException existing) {
            // A locked stack exists too (`stack init` refuses it as locked, not as existing): a replica taking over
            // a crashed one's stack has no workspace for it; its lock is the operation's to recover.
            updates.addAll(history.read(spec.project(), spec.stack(), command).orElse(List.of()));
            return workspaces.open(spec, command, true);
        }
    }

    private EngineResult execute(
            EngineRun run,
            WorkspaceStack stack,
            RunCommand command,
            List<HistoryEntry> updates,
            Consumer<Recovery> onRecovery)
            throws Exception {
        RunSpec spec = run.spec();
        if (spec.operation() != Operation.PREVIEW) {
            var earlier = updates.stream()
                    .filter(update -> update.message().equals(spec.message()) && update.succeeded())
                    .findFirst();
            if (earlier.isPresent()) {
                Map<String, EngineResult.StackOutput> outputs = Map.of();
                if (spec.operation() == Operation.UP) {
                    stack.getOutputs();
                    outputs = command.outputs();
                }
                return new EngineResult(EngineResult.Status.SUCCEEDED, outputs, null, earlier.get());
            }
        }
        workspaces.configure(stack, spec);
        Map<String, EngineResult.StackOutput> outputs;
        try {
            outputs = operate(stack, spec, command);
        } catch (ConcurrentUpdateException locked) {
            // The CLI refused before it started the engine: no event was sent, so the operation can
            // start again from the first event.
            StackFence fence = command.fence();
            Optional<Recovery> stale = fence == StackFence.NONE
                    ? recovery.find(stack, spec, command, locked)
                    : recovery.findUnderLease(stack, spec, command, locked, fence);
            if (stale.isPresent()) {
                // Told first: the repair is made once the audit trail holds it.
                onRecovery.accept(stale.get());
                if (fence == StackFence.NONE) {
                    recovery.repair(stack, spec, command, stale.get());
                } else {
                    recovery.repairUnderLease(stack, spec, command, stale.get());
                }
            }
            outputs = operate(stack, spec, command);
        }
        return EngineResult.of(EngineResult.Status.SUCCEEDED, outputs, null);
    }

    /**
     * Under a lease, what a killed CLI can leave damaged in a {@code file://} state (an empty sidecar) is removed
     * before any CLI reads it, once the audit trail holds the {@code recovered} record; returns whether one was
     * written.
     */
    private boolean repairDamaged(RunSpec spec, StackFence fence, Consumer<Recovery> onRecovery) throws IOException {
        if (fence == StackFence.NONE) {
            return false;
        }
        List<String> damaged = recovery.damagedFiles(spec);
        if (damaged.isEmpty()) {
            return false;
        }
        onRecovery.accept(new Recovery(
                recovery.fileLocks(spec), List.of(), damaged, fence.takenFrom().orElse(null)));
        recovery.removeDamaged(spec, fence, damaged);
        return true;
    }

    /** Runs the operation; returns the stack's outputs after {@code up}, else none. */
    private static Map<String, EngineResult.StackOutput> operate(WorkspaceStack stack, RunSpec spec, RunCommand command)
            throws AutomationException {
        switch (spec.operation()) {
            case UP -> {
                stack.up(UpOptions.builder()
                        .message(spec.message())
                        .color(RunCommand.COLOR)
                        .build());
                return command.outputs();
            }
            case PREVIEW ->
                stack.preview(PreviewOptions.builder()
                        .message(spec.message())
                        .color(RunCommand.COLOR)
                        .build());
            case REFRESH ->
                stack.refresh(RefreshOptions.builder()
                        .message(spec.message())
                        .color(RunCommand.COLOR)
                        .build());
            case DESTROY ->
                stack.destroy(DestroyOptions.builder()
                        .message(spec.message())
                        .color(RunCommand.COLOR)
                        .build());
        }
        return Map.of();
    }

    private static String describe(Throwable e) {
        var text = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable cause = e.getCause(); cause != null && cause != e; cause = cause.getCause()) {
            text.append(": ").append(cause.getMessage());
        }
        return text.toString();
    }

    private static String bounded(String text) {
        return Completion.ErrorInfo.bounded(text);
    }

    @PreDestroy
    void stop() {
        scheduler.shutdownNow();
        runs.shutdownNow();
    }
}
