package dev.provisioner.engine;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Hears every {@code pulumi} process the service starts ({@link CliProcess} is the one place that starts
 * them), with its arguments: what tests and benchmarks count. No listener, no cost but an empty loop.
 */
public final class CliStarts {

    private static final List<Consumer<List<String>>> LISTENERS = new CopyOnWriteArrayList<>();

    private CliStarts() {}

    /** {@code listener} hears each start from now until the returned handle is closed, on the starting thread. */
    public static AutoCloseable listen(Consumer<List<String>> listener) {
        LISTENERS.add(listener);
        return () -> LISTENERS.remove(listener);
    }

    static void started(List<String> args) {
        for (Consumer<List<String>> listener : LISTENERS) {
            listener.accept(args);
        }
    }
}
