package dev.provisioner.health;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import dev.provisioner.Channels;
import dev.provisioner.support.Probes;
import dev.provisioner.support.RealParts;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The probes Kubernetes uses, against the real broker, CLI and {@code file://} backend. */
@QuarkusTest
@RealParts
class HealthTest {

    /** The checks SmallRye Reactive Messaging contributes, one entry per Kafka channel in their data. */
    static final String MESSAGING_LIVENESS = "SmallRye Reactive Messaging - liveness check";

    static final String MESSAGING_READINESS = "SmallRye Reactive Messaging - readiness check";

    /** The Kafka clients connect in the background after start-up. */
    static final Duration CONNECTED_WITHIN = Duration.ofSeconds(30);

    @Test
    void liveOnTheMessagingChannelsAlone() {
        given().get(Probes.LIVE)
                .then()
                .statusCode(200)
                .body("status", is("UP"))
                .body("checks.name", contains(MESSAGING_LIVENESS));
    }

    @Test
    void startedOnceTheChannelsAreUp() {
        await().atMost(CONNECTED_WITHIN)
                .untilAsserted(() -> given().get(Probes.STARTED).then().statusCode(200));
    }

    @Test
    void readyWithTheBrokerTheCliAndTheBackend() {
        await().atMost(CONNECTED_WITHIN)
                .untilAsserted(() -> given().get(Probes.READY).then().statusCode(200));

        ValidatableResponse ready = given().get(Probes.READY).then();

        ready.body("status", is("UP"))
                .body(
                        "checks.name",
                        containsInAnyOrder(
                                MESSAGING_READINESS, PulumiCliCheck.NAME, PulumiBackendCheck.NAME, LeaseCheck.NAME))
                .body(check(LeaseCheck.NAME) + ".data.enabled", is(true))
                .body(check(PulumiCliCheck.NAME) + ".data.version", is("3.259.0"))
                .body(check(PulumiCliCheck.NAME) + ".data.expected", is("3.259.0"))
                .body(check(PulumiBackendCheck.NAME) + ".data.backend", startsWith("file:/"));
        for (String channel : new String[] {
            Channels.REQUESTS, Channels.CANCELLATIONS, Channels.COMPLETIONS, Channels.AUDIT, Channels.DEAD_LETTERS
        }) {
            ready.body(check(MESSAGING_READINESS) + ".data", hasKey(channel));
        }
    }

    /** The GPath of the named check in a health response. */
    static String check(String name) {
        return "checks.find { it.name == '" + name + "' }";
    }
}
