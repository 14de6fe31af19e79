package dev.provisioner.telemetry;

import dev.provisioner.event.EngineEvent;
import dev.provisioner.event.RunSink;

/** The OpenTelemetry log records of one run: a sink of its engine events. */
public interface RunLogs extends RunSink {

    /** A run without log records: the request names no tenant, or no endpoint is configured or named. */
    RunLogs NONE = new RunLogs() {
        @Override
        public void accept(EngineEvent event) {}

        @Override
        public boolean enabled() {
            return false;
        }

        @Override
        public Counts finish() {
            return new Counts(0, 0);
        }
    };

    /** Whether records are exported at all. */
    boolean enabled();

    /**
     * Exports what is queued, waiting at most {@link OtelConfig#flushTimeout()}, and says what became of the
     * run's records. Call once, when the run's events have ended.
     */
    Counts finish();

    /** Records the endpoint accepted, and records given up on. */
    record Counts(long exported, long dropped) {}
}
