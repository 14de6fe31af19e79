package dev.provisioner.run;

import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.Optional;

/** Waiting for the broker's acknowledgement of what a run publishes. */
final class Acks {

    /**
     * How long one broker acknowledgement may take before the request is left to be delivered again.
     * Longer than the producers' {@code max.block.ms} plus {@code delivery.timeout.ms} (1 + 2 minutes, see
     * {@code application.properties}), so that the producer's own verdict comes first: a record given up
     * on here could still be written later.
     */
    static final Duration SEND_TIMEOUT = Duration.ofMinutes(4);

    private Acks() {}

    /** The acknowledged result. @throws RuntimeException when the broker refused it or did not answer in time */
    static <T> T await(Uni<T> sent) {
        return sent.await().atMost(SEND_TIMEOUT);
    }

    /** Whether the broker took audit records in time; a failure is the trail's to count and log. */
    static boolean written(Uni<Void> records) {
        return taken(records.replaceWith(true)).isPresent();
    }

    /** What the broker's acknowledgement of an audit record gave, if it came in time; a failure is the trail's. */
    static <T> Optional<T> taken(Uni<T> record) {
        Uni<Optional<T>> taken = record.map(Optional::ofNullable)
                .ifNoItem()
                .after(SEND_TIMEOUT)
                .fail()
                .onFailure()
                .recoverWithItem(Optional.empty());
        return taken.await().atMost(SEND_TIMEOUT.multipliedBy(2));
    }
}
