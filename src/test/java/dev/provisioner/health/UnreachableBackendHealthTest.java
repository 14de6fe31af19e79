package dev.provisioner.health;

import static dev.provisioner.health.HealthTest.check;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import dev.provisioner.support.Probes;
import dev.provisioner.support.RealParts;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A shared backend that does not answer makes the pod unready, and the probe's answer, which anyone who
 * reaches the port can read, keeps the database password out.
 */
@QuarkusTest
@RealParts
@TestProfile(UnreachableBackendHealthTest.UnreachableBackend.class)
class UnreachableBackendHealthTest {

    static final String PASSWORD = "backend-password-42";

    public static final class UnreachableBackend implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // Nothing listens on port 1: the CLI's connection is refused at once.
            return Map.of(
                    "provisioner.engine.backend-url", "postgres://provisioner:" + PASSWORD + "@127.0.0.1:1/state");
        }
    }

    @Test
    void notReadyWhenTheBackendDoesNotAnswer() {
        given().get(Probes.READY)
                .then()
                .statusCode(503)
                .body(check(PulumiBackendCheck.NAME) + ".status", is("DOWN"))
                .body(check(PulumiBackendCheck.NAME) + ".data.backend", is("postgres://***@127.0.0.1:1/state"))
                .body(check(PulumiBackendCheck.NAME) + ".data.error", containsString("127.0.0.1:1"))
                .body(check(PulumiCliCheck.NAME) + ".status", is("UP"))
                .body(not(containsString(PASSWORD)));
    }
}
