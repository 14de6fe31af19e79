package dev.provisioner.engine;

import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * What identifies the inline programs, which are the service's own code: its version and a SHA-256 of its
 * application classes, computed once at start-up. Packaged, that is the application jar's bytes
 * ({@code quarkus-app/app/*.jar}); run from a build directory (tests, dev mode), the class files under it,
 * digested as a directory program's files are.
 */
@Singleton
public final class ServiceBuild {

    private final String version;
    private final String digest;

    ServiceBuild(@ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown") String version) {
        this.version = version;
        this.digest = digest(ServiceBuild.class.getProtectionDomain().getCodeSource());
    }

    public String version() {
        return version;
    }

    /** {@code sha256:} and 64 hex digits. */
    public String digest() {
        return digest;
    }

    private static String digest(CodeSource code) {
        try {
            if (code == null || code.getLocation() == null) {
                throw new IllegalStateException("the service's classes have no location to digest");
            }
            Path location = Path.of(code.getLocation().toURI());
            if (Files.isDirectory(location)) {
                return ProgramFiles.digestTree(location);
            }
            MessageDigest sha = ProgramFiles.sha256();
            try (InputStream in = Files.newInputStream(location)) {
                byte[] buffer = new byte[64 * 1024];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    sha.update(buffer, 0, n);
                }
            }
            return "sha256:" + HexFormat.of().formatHex(sha.digest());
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException("cannot digest the service's classes", e);
        }
    }
}
