package dev.provisioner.api;

import static dev.provisioner.support.Requests.request;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioner.demo.SlowDemoProgram;
import dev.provisioner.support.RealParts;
import dev.provisioner.support.Requests;
import dev.provisioner.support.SseStream;
import dev.provisioner.support.Tokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A run's engine events as Server-Sent Events, read live by a plain HTTP client during a real run. */
@QuarkusTest
@RealParts
class ProvisionEventsTest {

    /** Longer than any gap between two events of the slow run below. */
    private static final Duration EVENT_GAP = Duration.ofSeconds(60);

    @TestHTTPResource("/provisions")
    URI provisions;

    @Test
    void eventsArriveLiveInOrderAndAReconnectResumesAfterTheLastOne() {
        ObjectNode slow = request("up", "api", "events", SlowDemoProgram.NAME);
        slow.with("config").put("count", "6").put("delayMs", "500");
        String id = slow.get("requestId").asText();
        given().auth()
                .oauth2(Tokens.submitter())
                .contentType(ContentType.JSON)
                .body(slow.toString())
                .post("/provisions")
                .then()
                .statusCode(202);
        URI events = URI.create(provisions + "/" + id + "/events");

        List<SseStream.Event> before = new ArrayList<>();
        try (SseStream stream = SseStream.open(events, Tokens.reader(), null)) {
            assertThat(stream.status()).isEqualTo(200);
            while (before.isEmpty() || !before.get(before.size() - 1).name().equals("resource.outputs")) {
                before.add(stream.next(EVENT_GAP).orElseThrow(() -> new AssertionError("stream ended early")));
            }
            assertThat(status(id))
                    .as("the first step's outputs came while the run goes on")
                    .isEqualTo("running");
        }
        String lastSeen = before.get(before.size() - 1).id();
        List<SseStream.Event> after = SseStream.readAll(events, Tokens.reader(), lastSeen, EVENT_GAP);

        assertThat(before.get(0).name()).isEqualTo("prelude");
        assertThat(before.get(0).id()).isEqualTo("0");
        SseStream.Event completion = after.get(after.size() - 1);
        assertThat(completion.name()).isEqualTo(ProvisionResource.COMPLETION_EVENT);
        assertThat(Requests.parse(completion.data()).get("status").asText()).isEqualTo("succeeded");
        List<SseStream.Event> engine = after.subList(0, after.size() - 1);
        assertThat(engine).extracting(SseStream.Event::name).contains("resource.outputs", "summary");
        assertThat(engine).extracting(SseStream.Event::name).doesNotContain(ProvisionResource.COMPLETION_EVENT);
        List<Long> ids = new ArrayList<>();
        before.forEach(e -> ids.add(Long.parseLong(e.id())));
        engine.forEach(e -> ids.add(Long.parseLong(e.id())));
        assertThat(ids).as("every event once, in engine order").isSorted().doesNotHaveDuplicates();
        assertThat(Long.parseLong(engine.get(0).id())).isEqualTo(Long.parseLong(lastSeen) + 1);
        assertThat(engine)
                .allSatisfy(
                        e -> assertThat(Requests.parse(e.data()).get("sequence").asText())
                                .isEqualTo(e.id()));
        assertThat(ids).hasSize((int)
                Requests.parse(completion.data()).at("/events/total").asLong());
    }

    @Test
    void aFinishedRunIsReplayedFromTheJournal() {
        ObjectNode quick = request("up", "api", "replayed", SlowDemoProgram.NAME);
        quick.with("config").put("count", "1").put("delayMs", "1");
        String id = quick.get("requestId").asText();
        given().auth()
                .oauth2(Tokens.submitter())
                .contentType(ContentType.JSON)
                .body(quick.toString())
                .post("/provisions")
                .then()
                .statusCode(202);
        ProvisionApiTest.awaitStatus(id, "succeeded");

        List<SseStream.Event> all =
                SseStream.readAll(URI.create(provisions + "/" + id + "/events"), Tokens.reader(), null, EVENT_GAP);

        assertThat(all.get(0).name()).isEqualTo("prelude");
        assertThat(all.get(all.size() - 1).name()).isEqualTo(ProvisionResource.COMPLETION_EVENT);
    }

    private static String status(String id) {
        return given().auth()
                .oauth2(Tokens.reader())
                .get("/provisions/" + id)
                .then()
                .statusCode(200)
                .extract()
                .path("status");
    }
}
