package dev.provisioner.engine;

import dev.provisioner.event.EngineEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.operators.multi.processors.UnicastProcessor;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An operation under way. Its events are buffered from the first one on until {@link #events()} is
 * subscribed, so a subscriber that comes late still sees every event.
 */
public final class EngineRun {

    private final RunSpec spec;
    private final UnicastProcessor<EngineEvent> events;
    private final CompletableFuture<EngineResult> result;
    private final RunCommand command;
    private final ScheduledExecutorService scheduler;
    private final Duration escalation;
    private final AtomicReference<Cancellation> cancellation = new AtomicReference<>();

    EngineRun(
            RunSpec spec,
            UnicastProcessor<EngineEvent> events,
            CompletableFuture<EngineResult> result,
            RunCommand command,
            ScheduledExecutorService scheduler,
            Duration escalation) {
        this.spec = spec;
        this.events = events;
        this.result = result;
        this.command = command;
        this.scheduler = scheduler;
        this.escalation = escalation;
    }

    public RunSpec spec() {
        return spec;
    }

    /**
     * Every engine event of the operation, in engine order; completes after the last one, once the CLI
     * has exited. One subscriber: broadcast it to fan out.
     */
    public Multi<EngineEvent> events() {
        return events;
    }

    /** Completes when the operation has ended and its events stream has completed. */
    public Uni<EngineResult> result() {
        return Uni.createFrom().completionStage(result);
    }

    /**
     * Stops the operation: no further CLI command starts, and the running one is signalled once, so the
     * engine cancels gracefully (finishing the steps under way); if it still runs after
     * {@code provisioner.engine.cancel-escalation} it is signalled again (the engine terminates), and after
     * twice that it is killed. Only the first call counts; the operation ends
     * {@link EngineResult.Status#CANCELLED} unless it had already finished.
     */
    public void cancel(Cancellation why) {
        if (!cancellation.compareAndSet(null, why) || command == null) {
            return;
        }
        command.cancel();
        long step = escalation.toMillis();
        scheduler.schedule(command::signal, step, TimeUnit.MILLISECONDS);
        scheduler.schedule(command::kill, 2 * step, TimeUnit.MILLISECONDS);
    }

    /** Why the run was cancelled, or {@code null}. */
    public Cancellation cancellation() {
        return cancellation.get();
    }
}
