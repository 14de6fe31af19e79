package dev.provisioner.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The real Pulumi CLI for the service under test: provided by {@code deploy/install-pulumi.sh} (which
 * builds it from the Go modules on a machine that has none), with a fresh {@code file://} backend and
 * work directory in a temporary directory.
 */
public final class PulumiCliResource implements QuarkusTestResourceLifecycleManager {

    private static volatile String binary;
    private Path workDir;

    /** The path of the pinned CLI, provided once per test JVM. */
    public static synchronized String binary() {
        if (binary == null) {
            binary = install();
        }
        return binary;
    }

    @Override
    public Map<String, String> start() {
        try {
            workDir = Files.createTempDirectory("provisioner-test-");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return Map.of(
                "provisioner.engine.cli", binary(),
                "provisioner.engine.work-dir", workDir.toString());
    }

    @Override
    public void stop() {
        if (workDir != null) {
            try (Stream<Path> paths = Files.walk(workDir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // A temp directory left behind is harmless.
            }
        }
    }

    private static String install() {
        try {
            Process p = new ProcessBuilder("bash", "deploy/install-pulumi.sh")
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0 || out.isEmpty()) {
                throw new IllegalStateException(
                        "deploy/install-pulumi.sh could not provide the Pulumi CLI (see its output)");
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run deploy/install-pulumi.sh", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
