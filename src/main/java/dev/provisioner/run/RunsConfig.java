package dev.provisioner.run;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How requests become runs. */
@ConfigMapping(prefix = "provisioner.runs")
public interface RunsConfig {

    /**
     * Runs at the same time, on different stacks (runs on one stack are always one after another). Also
     * the size of the worker pool the intake runs on, so it is set in {@code application.properties}
     * (8) where the messaging keys can refer to it.
     */
    int maxConcurrency();

    /** How long a run may take when its request says nothing; then it is cancelled. */
    @WithDefault("1h")
    Duration defaultTimeout();

    /**
     * How long a cancelled run may take to stop before the service gives up waiting on it. The engine
     * finishes the steps under way when it is cancelled, so this is generous.
     */
    @WithDefault("2m")
    Duration cancelGrace();

    /**
     * How long a cancellation of a request this replica has not seen is remembered: it may be queued
     * behind other requests for its stack.
     */
    @WithDefault("1h")
    Duration cancelMemory();

    /**
     * On shutdown, how long runs under way may take to finish before they are cancelled (and their
     * requests left to be delivered again). Keep the pod's termination grace period above this plus
     * twice {@code provisioner.engine.cancel-escalation}.
     */
    @WithDefault("60s")
    Duration shutdownGrace();

    /**
     * Requests the run journal keeps (what {@code GET /provisions/{id}} answers); beyond that the oldest
     * finished ones are forgotten. Requests queued or running are always kept.
     */
    @WithDefault("500")
    int journalSize();

    /**
     * Engine events the journal keeps per request, the latest ones, for event streams that start or
     * resume late; live followers get every event. With the size above this bounds the memory the
     * journal holds (an engine event is mostly under 1 KiB).
     */
    @WithDefault("1000")
    int journalEvents();

    /**
     * How far back a replica reads the audit records and completions when it starts, to know the requests
     * other replicas run or ran: a request accepted within this before the start is followed from its
     * {@code accepted} record; an older one that still runs appears with its next record, its earlier events
     * missing.
     */
    @WithDefault("15m")
    Duration followLookBack();

    /**
     * When a rebalance takes partitions from this replica (another one joins), how long the runs of their
     * stacks may take to finish before they are cancelled and their requests left to the new owner. Kafka
     * waits for the revocation up to the consumer's {@code max.poll.interval.ms} (5 min): keep this plus twice
     * {@code provisioner.engine.cancel-escalation} and 10 s below it.
     */
    @WithDefault("60s")
    Duration handoverGrace();
}
