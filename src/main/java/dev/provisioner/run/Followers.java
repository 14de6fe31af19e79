package dev.provisioner.run;

import dev.provisioner.event.EngineEvent;
import io.smallrye.mutiny.subscription.MultiEmitter;
import java.util.ArrayList;
import java.util.List;

/**
 * The live readers of one request's events (the REST API's event streams); guarded by the journal's lock.
 * A reader whose buffer overflows fails alone: the others and the run go on.
 */
final class Followers {

    private final List<MultiEmitter<? super EngineEvent>> emitters = new ArrayList<>();

    void add(MultiEmitter<? super EngineEvent> follower) {
        emitters.add(follower);
    }

    void remove(MultiEmitter<? super EngineEvent> follower) {
        emitters.remove(follower);
    }

    void emit(EngineEvent event) {
        // A copy: a follower that overflows removes itself from the list while it is handed the event.
        for (var follower : List.copyOf(emitters)) {
            try {
                follower.emit(event);
            } catch (RuntimeException e) {
                follower.fail(e);
            }
        }
    }

    /** Their streams complete. */
    void end() {
        List.copyOf(emitters).forEach(MultiEmitter::complete);
        emitters.clear();
    }
}
