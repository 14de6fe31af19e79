package dev.provisioner.health;

import static dev.provisioner.health.HealthTest.CONNECTED_WITHIN;
import static dev.provisioner.health.HealthTest.MESSAGING_READINESS;
import static dev.provisioner.health.HealthTest.check;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import dev.provisioner.support.KafkaBrokerResource;
import dev.provisioner.support.Probes;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A pod whose image lacks the CLI is alive but never ready, so a rollout stops at it. Only the broker is
 * real here: the CLI resource would set {@code provisioner.engine.cli} over the profile's.
 */
@QuarkusTest
@TestProfile(MissingCliHealthTest.MissingCli.class)
@WithTestResource(KafkaBrokerResource.class)
class MissingCliHealthTest {

    public static final class MissingCli implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "provisioner.engine.cli", "target/no-such-dir/pulumi",
                    "provisioner.engine.work-dir", "target/missing-cli-health-test");
        }
    }

    @Test
    void notReadyWithoutTheCliYetAlive() {
        // Wait for the broker connection, so that the CLI is the only reason left for DOWN.
        await().atMost(CONNECTED_WITHIN)
                .untilAsserted(
                        () -> given().get(Probes.READY).then().body(check(MESSAGING_READINESS) + ".status", is("UP")));

        given().get(Probes.READY)
                .then()
                .statusCode(503)
                .body("status", is("DOWN"))
                .body(check(PulumiCliCheck.NAME) + ".status", is("DOWN"))
                .body(check(PulumiCliCheck.NAME) + ".data.error", containsString("cannot run the Pulumi CLI"))
                .body(check(PulumiBackendCheck.NAME) + ".status", is("UP"));
        given().get(Probes.LIVE).then().statusCode(200).body("status", is("UP"));
    }
}
