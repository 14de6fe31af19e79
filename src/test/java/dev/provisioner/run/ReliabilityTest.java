package dev.provisioner.run;

import static dev.provisioner.support.Requests.auditTrail;
import static dev.provisioner.support.Requests.awaitAudit;
import static dev.provisioner.support.Requests.awaitCompletion;
import static dev.provisioner.support.Requests.request;
import static dev.provisioner.support.Requests.send;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioner.demo.SlowDemoProgram;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.support.RealParts;
import dev.provisioner.support.Requests;
import dev.provisioner.support.Schemas;
import dev.provisioner.support.Topics;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Redelivery, cancellation and timeouts on the real broker and CLI. */
@QuarkusTest
@RealParts
class ReliabilityTest {

    @Test
    void aRedeliveredRequestThatRanIsNotRunAgain() {
        var up = request("up", "reliability", "redelivered", StashDemoProgram.NAME);
        String id = send(up);
        JsonNode first = awaitCompletion(id);

        Topics.send("reliability/redelivered", up.toString());
        Awaitility.await()
                .atMost(Requests.RUN_TIMEOUT)
                .until(() -> Requests.completions(Topics.read(Topics.COMPLETIONS), id)
                                .size()
                        == 2);

        JsonNode again = Requests.parse(
                Requests.completions(Topics.read(Topics.COMPLETIONS), id).get(1).value());
        Schemas.assertValid(Schemas.COMPLETION, again);
        assertThat(first.get("redelivered").asBoolean()).isFalse();
        assertThat(again.get("redelivered").asBoolean()).isTrue();
        assertThat(again.get("status").asText()).isEqualTo("succeeded");
        assertThat(again.get("resourceChanges")).isEqualTo(first.get("resourceChanges"));
        assertThat(again.get("outputs")).isEqualTo(first.get("outputs"));
        List<String> types = types(auditTrail(id));
        assertThat(types)
                .filteredOn("dev.provisioner.summary"::equals)
                .as("one engine run")
                .hasSize(1);
        assertThat(types).contains("dev.provisioner.run.redelivered");
    }

    @Test
    void aCancelStopsARunningOperation() {
        var slow = request("up", "reliability", "cancelled", SlowDemoProgram.NAME);
        slow.with("config").put("count", "30").put("delayMs", "300");
        String id = send(slow);
        awaitAudit(id, "dev.provisioner.resource.outputs");

        Requests.cancel(id, "bob@example.com");
        JsonNode done = awaitCompletion(id);

        assertThat(done.get("status").asText()).isEqualTo("cancelled");
        assertThat(done.at("/error/type").asText()).isEqualTo("cancelled");
        List<ConsumerRecord<String, String>> trail = auditTrail(id);
        assertThat(types(trail)).contains("dev.provisioner.run.cancel-requested", "dev.provisioner.run.cancelled");
        assertThat(trail)
                .as("the engine's own word that it cancels is in the trail")
                .anySatisfy(r -> assertThat(Requests.parse(r.value())
                                .at("/event/stdoutEvent/message")
                                .asText())
                        .contains("SIGTERM received; cancelling"));
        assertThat(trail)
                .filteredOn(r -> "dev.provisioner.run.cancel-requested".equals(Topics.header(r, "ce_type")))
                .singleElement()
                .satisfies(r -> assertThat(Requests.parse(r.value())
                                .at("/details/requestedBy")
                                .asText())
                        .isEqualTo("bob@example.com"));
    }

    @Test
    void aRunThatOutlivesItsTimeoutIsCancelled() {
        var slow = request("up", "reliability", "timeout", SlowDemoProgram.NAME);
        slow.with("config").put("count", "30").put("delayMs", "300");
        slow.put("timeoutSeconds", 3);

        JsonNode done = awaitCompletion(send(slow));

        assertThat(done.get("status").asText()).isEqualTo("cancelled");
        assertThat(done.at("/error/type").asText()).isEqualTo("timeout");
        assertThat(done.get("durationMs").asLong()).isLessThan(30 * 300);
    }

    @Test
    void aCancelledQueuedRequestNeverRuns() {
        var running = request("up", "reliability", "queue", SlowDemoProgram.NAME);
        running.with("config").put("count", "6").put("delayMs", "500");
        var queued = request("up", "reliability", "queue", StashDemoProgram.NAME);
        String runningId = send(running);
        String queuedId = send(queued);
        awaitAudit(runningId, "dev.provisioner.run.started");

        Requests.cancel(queuedId, "carol@example.com");
        JsonNode queuedDone = awaitCompletion(queuedId);
        JsonNode runningDone = awaitCompletion(runningId);

        assertThat(runningDone.get("status").asText()).isEqualTo("succeeded");
        assertThat(queuedDone.get("status").asText()).isEqualTo("cancelled");
        assertThat(queuedDone.at("/error/message").asText()).contains("carol@example.com", "before it started");
        assertThat(types(auditTrail(queuedId)))
                .containsExactly("dev.provisioner.run.accepted", "dev.provisioner.run.cancelled");
        assertThat(Requests.map(queuedDone.get("resourceChanges"))).isEqualTo(Map.of());
    }

    private static List<String> types(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(r -> Topics.header(r, "ce_type")).toList();
    }
}
