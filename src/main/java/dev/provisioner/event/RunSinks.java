package dev.provisioner.event;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The fan-out of a run's event stream over its sinks. */
public final class RunSinks {

    private RunSinks() {}

    /**
     * Hands every event of {@code events} to each of {@code sinks}, in the list's order; completes when the
     * stream has ended and every sink is {@link RunSink#drained() drained}, and fails when the stream or a
     * sink does.
     */
    public static Uni<Void> feed(Multi<EngineEvent> events, List<? extends RunSink> sinks) {
        return events.invoke(event -> {
                    for (RunSink sink : sinks) {
                        sink.accept(event);
                    }
                })
                .collect()
                .last()
                .chain(() -> Uni.createFrom()
                        .completionStage(CompletableFuture.allOf(sinks.stream()
                                .map(sink -> sink.drained().toCompletableFuture())
                                .toArray(CompletableFuture[]::new))));
    }
}
