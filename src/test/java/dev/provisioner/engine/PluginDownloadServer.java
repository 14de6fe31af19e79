package dev.provisioner.engine;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Serves one resource plugin tarball on loopback, the way a provider's {@code pluginDownloadURL} does, so that
 * the real CLI downloads and installs a plugin (and reports its progress) on a machine without the internet.
 * The engine asks for {@code <url>/pulumi-resource-<name>-v<version>-<os>-<arch>.tar.gz} (pulumi v3.259.0,
 * {@code sdk/go/common/workspace/plugins.go}, {@code httpSource.Download}); any path gets the tarball.
 *
 * <p>The plugin inside is a stand-in that exits at once: an operation that needs to run it fails, one that only
 * deletes its provider from the state does not.
 */
final class PluginDownloadServer implements AutoCloseable {

    static final String PLUGIN = "recorded";
    static final String VERSION = "1.0.0";
    /** Big enough for the engine to report progress before the end (it reads 32 KiB at a time). */
    private static final int PADDING_BYTES = 96 * 1024;

    private final HttpServer server;
    private final List<String> requested = new CopyOnWriteArrayList<>();

    private PluginDownloadServer(HttpServer server) {
        this.server = server;
    }

    /** Builds the tarball under {@code dir} with the system's {@code tar}, and serves it. */
    static PluginDownloadServer start(Path dir) throws IOException, InterruptedException {
        Path content = Files.createDirectories(dir.resolve("plugin"));
        Path binary = content.resolve("pulumi-resource-" + PLUGIN);
        Files.writeString(binary, "#!/bin/sh\necho 'a stand-in served to record a plugin download' >&2\nexit 1\n");
        Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwxr-xr-x"));
        // Random bytes, so that compression leaves the tarball about this size.
        byte[] padding = new byte[PADDING_BYTES];
        new Random(42).nextBytes(padding);
        Files.write(content.resolve("padding"), padding);
        Path tarball = dir.resolve("plugin.tar.gz");
        Process tar = new ProcessBuilder("tar", "-czf", tarball.toString(), "-C", content.toString(), ".")
                .inheritIO()
                .start();
        if (tar.waitFor() != 0) {
            throw new IOException("tar exited with " + tar.exitValue());
        }
        byte[] bytes = Files.readAllBytes(tarball);

        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        var served = new PluginDownloadServer(http);
        http.createContext("/", exchange -> {
            served.requested.add(exchange.getRequestURI().getPath());
            // With its length: the engine reports progress only on downloads of known size.
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(bytes);
            }
        });
        http.start();
        return served;
    }

    /** The {@code pluginDownloadURL} to give the provider. */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    /** The paths the engine asked for. */
    List<String> requested() {
        return List.copyOf(requested);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
