package dev.provisioner.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A real S3-compatible store for Pulumi's {@code s3://} backend: the Versity gateway (versitygw v1.8.0, built
 * from its Go modules by {@code deploy/install-versitygw.sh}) over a directory, on a free loopback port. The
 * replicas reach it path-style: {@code s3://state?endpoint=http://127.0.0.1:<port>&s3ForcePathStyle=true&region=us-east-1}
 * with the gateway's root keys as {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}. Its posix backend keeps
 * each object as a file, so the locks are read from the directory.
 */
public final class S3Gateway implements SharedBackend {

    private static final String BUCKET = "state";
    private static final String ACCESS_KEY = "fleet-test-key";
    private static final String SECRET_KEY = "fleet-test-secret";

    private final Process process;
    private final Path root;
    private final int port;

    private S3Gateway(Process process, Path root, int port) {
        this.process = process;
        this.root = root;
        this.port = port;
    }

    public static S3Gateway start() {
        try {
            String binary = binary();
            Path root = Files.createTempDirectory("provisioner-s3-");
            Files.createDirectories(root.resolve(BUCKET));
            int port;
            try (var socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            var builder = new ProcessBuilder(binary, "--port", "127.0.0.1:" + port, "posix", root.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(root.resolve("gateway.log").toFile());
            builder.environment().put("ROOT_ACCESS_KEY_ID", ACCESS_KEY);
            builder.environment().put("ROOT_SECRET_ACCESS_KEY", SECRET_KEY);
            var gateway = new S3Gateway(builder.start(), root, port);
            Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                try (var ignored = new java.net.Socket("127.0.0.1", port)) {
                    return true;
                }
            });
            return gateway;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String backendUrl() {
        return "s3://" + BUCKET + "?endpoint=http://127.0.0.1:" + port + "&s3ForcePathStyle=true&region=us-east-1";
    }

    @Override
    public Map<String, String> environment() {
        return Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY);
    }

    @Override
    public List<String> locks(String project, String stack) {
        Path locks = StackState.locksDir(root.resolve(BUCKET), project, stack);
        if (!Files.isDirectory(locks)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(locks)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(f -> f.endsWith(".json"))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String binary() throws IOException {
        Process install = new ProcessBuilder("bash", "deploy/install-versitygw.sh")
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        try {
            if (!install.waitFor(15, TimeUnit.MINUTES) || install.exitValue() != 0) {
                throw new IllegalStateException("deploy/install-versitygw.sh failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return out;
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A temp directory left behind is harmless.
        }
    }
}
