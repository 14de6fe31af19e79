package dev.provisioner.engine;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.operators.multi.processors.UnicastProcessor;
import java.util.concurrent.CompletableFuture;

/**
 * An operation under way. Its events are buffered from the first one on until {@link #events()} is
 * subscribed, so a subscriber that comes late still sees every event.
 */
public final class EngineRun {

    private final RunSpec spec;
    private final UnicastProcessor<EngineEvent> events;
    private final CompletableFuture<EngineResult> result;
    private final RunCommand command;
    private volatile boolean interrupted;

    EngineRun(
            RunSpec spec,
            UnicastProcessor<EngineEvent> events,
            CompletableFuture<EngineResult> result,
            RunCommand command) {
        this.spec = spec;
        this.events = events;
        this.result = result;
        this.command = command;
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

    /** Signals the CLI to cancel gracefully; the operation ends {@link EngineResult.Status#CANCELLED}. */
    public void interrupt() {
        interrupted = true;
        if (command != null) {
            command.interrupt();
        }
    }

    boolean interrupted() {
        return interrupted;
    }
}
