package dev.provisioner.lease;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * The per-stack leases that keep two replicas from writing one stack (README, "Crashes and shutdown"). The
 * safety margin: {@link #freshness()} + {@code provisioner.engine.watchdog-timeout} + the time a kill takes must
 * stay under {@link #duration()}; the service refuses to start otherwise.
 */
@ConfigMapping(prefix = "provisioner.leases")
public interface LeaseConfig {

    /** Leases on (the default): every run holds its stack's lease, and its CLI runs under a watchdog. */
    @WithDefault("true")
    boolean enabled();

    /**
     * The compacted topic of the leases, keyed {@code project/stack}. Its {@code min.compaction.lag.ms} must be
     * far above {@link #duration()} (the service creates it with one hour when it is missing).
     */
    @WithDefault("provisioning.leases")
    String topic();

    /**
     * L: how long a lease that nobody renews keeps others off the stack, counted by each replica from when it
     * last saw the lease change, on its own monotonic clock.
     */
    @WithDefault("15s")
    Duration duration();

    /** How often the holder renews its lease. */
    @WithDefault("1s")
    Duration renewInterval();

    /**
     * F: the holder lets its CLI live (heartbeats its watchdog) only while its last renewal that the topic took
     * was sent less than this ago. Above {@link #renewInterval()} plus a produce round trip.
     */
    @WithDefault("5s")
    Duration freshness();

    /** How long catching up with the lease topic may take before a lease is refused. */
    @WithDefault("30s")
    Duration catchUpTimeout();

    /** Margin for the kill itself and for a write the backend took just before (a statement in flight). */
    Duration KILL_MARGIN = Duration.ofSeconds(3);
}
