package dev.provisioner.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for the Pulumi {@code postgres://} backend that replicas share: Debian's
 * {@code postgresql} package ({@code /usr/lib/postgresql/<version>/bin}), a cluster of its own in a temp dir on a
 * free loopback port, trust authentication, run as the {@code postgres} user when the tests run as root (the
 * server refuses root). The CLI creates its table ({@code pulumi_state}) on first use.
 */
public final class PostgresServer implements SharedBackend {

    private final Path bin;
    private final Path dir;
    private final int port;

    private PostgresServer(Path bin, Path dir, int port) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
    }

    /** Makes a cluster and starts it; fails when no PostgreSQL server is installed. */
    public static PostgresServer start() {
        Path bin = binaries();
        try {
            Path dir = Files.createTempDirectory("provisioner-pg-");
            int port;
            try (var socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            var server = new PostgresServer(bin, dir, port);
            server.asOwner("chown", "-R", "postgres", dir.toString());
            server.run(
                    bin.resolve("initdb").toString(),
                    "-D",
                    dir.resolve("data").toString(),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-sync");
            server.resume();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the server (a backend outage); {@link #resume()} starts it again on the same port and data. */
    public void pause() {
        run(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop");
    }

    /** Starts the server on its port and data. */
    public void resume() {
        run(
                bin.resolve("pg_ctl").toString(),
                "-D",
                dir.resolve("data").toString(),
                "-l",
                dir.resolve("server.log").toString(),
                "-w",
                "-o",
                "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off"
                        + " -c synchronous_commit=off -c full_page_writes=off",
                "start");
    }

    /** The backend URL every replica gets: {@code postgres://postgres@127.0.0.1:<port>/postgres?sslmode=disable}. */
    @Override
    public String backendUrl() {
        return "postgres://postgres@127.0.0.1:" + port + "/postgres?sslmode=disable";
    }

    @Override
    public Map<String, String> environment() {
        return Map.of();
    }

    /** The lock rows of the stack. */
    @Override
    public List<String> locks(String project, String stack) {
        return keys("/.pulumi/locks/organization/" + project + "/" + stack + "/");
    }

    /** The keys of the backend's rows whose key contains {@code part}, with {@code psql}. */
    public List<String> keys(String part) {
        String out = run(
                bin.resolve("psql").toString(),
                "-h",
                "127.0.0.1",
                "-p",
                Integer.toString(port),
                "-U",
                "postgres",
                "-At",
                "-c",
                "select key from pulumi_state where key like '%" + part.replace("'", "") + "%'");
        return out.isBlank() ? List.of() : List.of(out.strip().split("\n"));
    }

    /** The server's binaries, from {@code deploy/install-postgresql.sh} (Debian's package, installed if missing). */
    private static Path binaries() {
        try {
            Process install = new ProcessBuilder("bash", "deploy/install-postgresql.sh")
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String out = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (install.waitFor() != 0 || out.isEmpty()) {
                throw new IllegalStateException("deploy/install-postgresql.sh provided no PostgreSQL server");
            }
            return Path.of(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    private void asOwner(String... command) {
        if (root()) {
            exec(List.of(command));
        }
    }

    private String run(String... command) {
        List<String> all = new ArrayList<>();
        if (root()) {
            all.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        all.addAll(List.of(command));
        return exec(all);
    }

    private static String exec(List<String> command) {
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            run(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate", "stop");
        } catch (RuntimeException ignored) {
            // Already gone.
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A temp directory left behind is harmless.
        }
    }
}
