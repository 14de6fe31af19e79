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
}
