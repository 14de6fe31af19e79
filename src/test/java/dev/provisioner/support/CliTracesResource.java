package dev.provisioner.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Has the CLI export its own spans to a file ({@code provisioner.engine.otel-traces=file://…}, OTLP JSON)
 * in a fresh temporary directory. Every operation rewrites the file: read it right after the run of
 * interest.
 */
public final class CliTracesResource implements QuarkusTestResourceLifecycleManager {

    private static volatile Path file;

    /** The file the CLI writes its spans to. */
    public static Path file() {
        return file;
    }

    @Override
    public Map<String, String> start() {
        try {
            file = Files.createTempDirectory("provisioner-traces-").resolve("cli-traces.json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("provisioner.engine.otel-traces", file.toUri().toString());
    }

    @Override
    public void stop() {
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(file.getParent());
        } catch (IOException ignored) {
            // A temp file left behind is harmless.
        }
    }
}
