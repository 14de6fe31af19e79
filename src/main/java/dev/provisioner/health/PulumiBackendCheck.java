package dev.provisioner.health;

import com.pulumi.automation.AutomationException;
import dev.provisioner.engine.Workspaces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when the Pulumi state backend can be used: a {@code file://} backend must let the service create
 * and delete a file in it (a read-only or full volume fails every run); any other backend must answer the
 * CLI's {@code stack ls} with the service's credentials, within {@link #TIMEOUT}.
 */
@Readiness
@Singleton
final class PulumiBackendCheck implements HealthCheck {

    static final String NAME = "pulumi-backend";

    /** Well under the readiness probe's timeout, so a hanging backend reads as DOWN, not as no answer. */
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final Workspaces workspaces;
    private final CachedResponse response;

    PulumiBackendCheck(Workspaces workspaces, Clock clock) {
        this.workspaces = workspaces;
        this.response = new CachedResponse(clock, this::check);
    }

    @Override
    public HealthCheckResponse call() {
        return response.get();
    }

    private HealthCheckResponse check() {
        var response = HealthCheckResponse.named(NAME);
        String url = null;
        try {
            url = workspaces.backendUrl();
            response.withData("backend", withoutCredentials(url));
            if (url.startsWith("file:")) {
                Path probe = Files.createTempFile(Path.of(URI.create(url)), ".provisioner-ready", ".probe");
                Files.delete(probe);
            } else {
                workspaces.listStacks(TIMEOUT);
            }
            return response.up().build();
        } catch (IOException | AutomationException | RuntimeException e) {
            String error = String.valueOf(e.getMessage());
            if (url != null) {
                // The CLI names the backend in its errors; a postgres:// URL may carry a password.
                error = error.replace(url, withoutCredentials(url));
            }
            return response.down().withData("error", error).build();
        }
    }

    /** The URL without its user-info part, where a database URL keeps its password. */
    static String withoutCredentials(String url) {
        return url.replaceFirst("^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@", "$1***@");
    }
}
