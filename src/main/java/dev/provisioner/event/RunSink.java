package dev.provisioner.event;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A consumer of one run's engine events: the audit trail, the OpenTelemetry log records, the run's summary,
 * the journal that serves the REST API. {@link RunSinks#feed} hands each event to every sink in engine order,
 * on one thread.
 */
public interface RunSink {

    /**
     * Takes one event. May wait, to pace the run to what the sink's destination takes; an exception stops
     * the run's stream for every sink, so a sink the run can do without catches its own.
     */
    void accept(EngineEvent event);

    /**
     * Called once, after the last event: completes when the sink has what it will get (the broker's
     * acknowledgements, say). Done at once by default.
     */
    default CompletionStage<Void> drained() {
        return CompletableFuture.completedFuture(null);
    }
}
