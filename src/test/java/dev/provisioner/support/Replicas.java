package dev.provisioner.support;

import static org.awaitility.Awaitility.await;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.util.KeyUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replicas of the packaged service side by side, as a Deployment runs them: each with a work dir of its own
 * (a pod's {@code emptyDir}), all on one backend ({@link #backend}) and one broker, one consumer group. The REST
 * API is on, with the test-only JWT key pair ({@code src/test/resources/jwt}).
 */
public final class Replicas {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern LISTENING = Pattern.compile("Listening on: http://[^ ]*:(\\d+)");
    private static final Duration START = Duration.ofMinutes(2);

    private Replicas() {}

    /** One replica: its process and the base URL of its HTTP API. */
    public record Replica(ServiceProcess process, URI base) {

        /** {@code GET path} with a reader's token. */
        public HttpResponse<String> get(String path) {
            var request = HttpRequest.newBuilder(base.resolve(path))
                    .header("Authorization", "Bearer " + reader())
                    .build();
            try {
                return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** The request's status here, or null when this replica does not know it. */
        public String status(String requestId) {
            HttpResponse<String> response = get("/provisions/" + requestId);
            return response.statusCode() == 200
                    ? Requests.parse(response.body()).path("status").asText()
                    : null;
        }

        public URI events(String requestId) {
            return base.resolve("/provisions/" + requestId + "/events");
        }

        /** Whether this replica's log says it accepted the request, that is, runs it. */
        public boolean runs(String requestId) {
            return process.log().contains("request " + requestId + " (");
        }
    }

    /**
     * The state backend every replica shares: for now a {@code file://} directory of this host. A single
     * parameter, so that a shared Postgres backend can take its place.
     */
    public static String backend(PackagedService service) {
        Path state = service.workDir().resolve("state");
        try {
            Files.createDirectories(state);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return state.toUri().toString();
    }

    /** Starts a replica with {@code properties} on top of the shared ones, and waits until it is ready. */
    public static Replica start(PackagedService service, Map<String, String> properties) {
        Map<String, String> all = new HashMap<>();
        try {
            all.put(
                    "provisioner.engine.work-dir",
                    Files.createTempDirectory("provisioner-replica-").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        all.put("provisioner.engine.backend-url", backend(service));
        all.put(
                "mp.jwt.verify.publickey.location",
                Path.of("src/test/resources/jwt/publicKey.pem").toAbsolutePath().toString());
        all.put("mp.jwt.verify.issuer", Tokens.ISSUER);
        all.putAll(properties);
        ServiceProcess process = service.start(all);
        String[] port = new String[1];
        await().atMost(START).pollInterval(Duration.ofMillis(250)).until(() -> {
            Matcher listening = LISTENING.matcher(process.log());
            if (!process.isAlive()) {
                throw new AssertionError("replica exited: see " + process.logFile());
            }
            if (listening.find()) {
                port[0] = listening.group(1);
                return true;
            }
            return false;
        });
        Replica replica = new Replica(process, URI.create("http://localhost:" + port[0]));
        await().atMost(START)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> replica.get("/q/health/ready").statusCode() == 200);
        return replica;
    }

    /** A reader's token, signed with the test-only key the replicas trust. */
    public static String reader() {
        return token(Tokens.READER, "provisioner-read");
    }

    private static String token(String user, String... roles) {
        return Jwt.issuer(Tokens.ISSUER).upn(user).groups(Set.of(roles)).sign(signingKey());
    }

    private static PrivateKey signingKey() {
        try {
            return KeyUtils.readPrivateKey("jwt/privateKey.pem");
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the test-only signing key", e);
        }
    }
}
