package dev.provisioner.event;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The engine streams recorded from the real CLI by {@code engine.RecordEngineStreamsTest}, one NDJSON file a run:
 * {@code up-create}, {@code up-update}, {@code destroy}, {@code up-failed} (the program throws),
 * {@code up-step-failed} (a resource step fails in the engine), {@code up-policy-violations} (a local policy
 * pack finds an advisory and a mandatory violation), {@code destroy-plugin-download} (the engine downloads and
 * installs a plugin first), {@code up-cancelled}.
 */
public final class RecordedStreams {

    /** Where the recordings are checked in. */
    public static final Path DIR = Path.of("src/test/resources/engine-streams");

    public static final List<String> NAMES = List.of(
            "up-create",
            "up-update",
            "destroy",
            "up-failed",
            "up-step-failed",
            "up-policy-violations",
            "destroy-plugin-download",
            "up-cancelled");

    /**
     * Events of the kinds no run on this machine can make the CLI send, written to the engine's schema instead of
     * recorded (see the README there): {@code error-events}.
     */
    private static final Path FIXTURES = DIR.resolve("fixtures");

    private RecordedStreams() {}

    /** The lines of one recording. */
    public static List<String> lines(String name) {
        return read(DIR.resolve(name + ".ndjson"));
    }

    /** The lines of one fixture written to the schema, not recorded. */
    public static List<String> fixture(String name) {
        return read(FIXTURES.resolve(name + ".ndjson"));
    }

    /** Every line of every recording. */
    public static Stream<String> all() {
        return NAMES.stream().flatMap(name -> lines(name).stream());
    }

    private static List<String> read(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
