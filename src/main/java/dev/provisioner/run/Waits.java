package dev.provisioner.run;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/** Waiting for a condition by looking at it every {@link #POLL}, within a deadline on the service's clock. */
final class Waits {

    static final Duration POLL = Duration.ofMillis(100);

    private Waits() {}

    /**
     * Waits until {@code done} holds, for at most {@code atMost}; {@code eachLook} runs before every look.
     *
     * @return whether {@code done} held: false when the time ran out or the wait was interrupted
     */
    static boolean until(Clock clock, Duration atMost, BooleanSupplier done, Runnable eachLook) {
        Instant deadline = clock.instant().plus(atMost);
        while (true) {
            eachLook.run();
            if (done.getAsBoolean()) {
                return true;
            }
            if (clock.instant().isAfter(deadline)) {
                return false;
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
