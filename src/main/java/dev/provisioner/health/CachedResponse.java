package dev.provisioner.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import org.eclipse.microprofile.health.HealthCheckResponse;

/**
 * A check's last response, answered again while it is younger than {@link #FRESH_FOR}: probes come every few
 * seconds from the kubelet and anyone else who asks, and the checks behind start processes and write files.
 */
final class CachedResponse {

    /** Shorter than any sensible probe period, so a probe never sees a result older than the one before. */
    static final Duration FRESH_FOR = Duration.ofSeconds(5);

    private final Clock clock;
    private final Supplier<HealthCheckResponse> check;
    private HealthCheckResponse last;
    private Instant checkedAt;

    CachedResponse(Clock clock, Supplier<HealthCheckResponse> check) {
        this.clock = clock;
        this.check = check;
    }

    /** The last response, or a new one when it is stale; concurrent probes wait for one check. */
    synchronized HealthCheckResponse get() {
        Instant now = clock.instant();
        if (last == null || !now.isBefore(checkedAt.plus(FRESH_FOR))) {
            last = check.get();
            checkedAt = now;
        }
        return last;
    }
}
