package dev.provisioner.audit;

import static dev.provisioner.support.Requests.auditTrail;
import static dev.provisioner.support.Requests.awaitAudit;
import static dev.provisioner.support.Requests.awaitCompletion;
import static dev.provisioner.support.Requests.request;
import static dev.provisioner.support.Requests.send;
import static dev.provisioner.support.Requests.withOtel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioner.demo.SlowDemoProgram;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.support.KafkaBrokerResource;
import dev.provisioner.support.OtlpReceiver;
import dev.provisioner.support.OtlpReceiverResource;
import dev.provisioner.support.Requests;
import dev.provisioner.support.Schemas;
import dev.provisioner.support.TcpLink;
import dev.provisioner.support.Topics;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The audit topic unavailable while runs go on: a broker that restarts mid-run loses and duplicates no
 * record; a topic that stays unavailable past the producer's delivery timeout leaves the trail incomplete,
 * and the completion says so; and, not strict, a run does not wait for its {@code accepted} record.
 */
@QuarkusTest
@TestProfile(AuditOutageProfile.class)
class AuditOutageTest {

    private static final Path SERVICE_LOG = Path.of("target/provisioner-test.log");

    @Test
    void aBrokerRestartMidRunLosesAndDuplicatesNoAuditRecord() {
        OtlpReceiver otlp = OtlpReceiverResource.receiver();
        var slow = withOtel(request("up", "audit-outage", "restart", SlowDemoProgram.NAME), "APP6", "t-restart");
        slow.with("config").put("count", "10").put("delayMs", "800");
        String id = send(slow);
        awaitAudit(id, "dev.provisioner.resource.outputs");

        int before = otlp.recordsOf(id).size();
        KafkaBrokerResource.stopBroker();
        try {
            // The engine goes on meanwhile (its log records say so): events the producer must keep.
            await().atMost(Duration.ofMinutes(1)).until(() -> otlp.recordsOf(id).size() >= before + 4);
        } finally {
            KafkaBrokerResource.startBrokerAgain();
        }
        JsonNode done = awaitCompletion(id);
        // The same stack's next request: had the first one been delivered again, its second completion
        // would come before this one's.
        String nextId = send(request("preview", "audit-outage", "restart", SlowDemoProgram.NAME));
        awaitCompletion(nextId);

        Schemas.assertValid(Schemas.COMPLETION, done);
        assertThat(done.get("status").asText()).isEqualTo("succeeded");
        assertThat(done.has("error")).as("error %s", done.get("error")).isFalse();
        long total = done.at("/events/total").asLong();
        List<ConsumerRecord<String, String>> trail = auditTrail(id);
        String attempt =
                id + ":" + Requests.parse(trail.get(0).value()).get("attempt").asText() + ":";
        List<String> expected =
                new ArrayList<>(List.of(attempt + "accepted", attempt + "started", attempt + "completed"));
        LongStream.range(0, total).forEach(sequence -> expected.add(attempt + "engine:" + sequence));
        assertThat(trail.stream().map(r -> Topics.header(r, "ce_id")).toList())
                .as("each engine event and lifecycle record exactly once")
                .doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(trail.stream().map(r -> Topics.header(r, "ce_sequence")).toList())
                .as("in the order written")
                .isSorted();
        assertThat(done.at("/events/audited").asLong()).isEqualTo(total + 2);
        assertThat(Requests.completions(Topics.read(Topics.COMPLETIONS), id)).hasSize(1);
    }

    @Test
    void anAuditTopicUnavailablePastTheDeliveryTimeoutLeavesTheTrailIncompleteAndSaysSo() {
        var slow = request("up", "audit-outage", "gone", SlowDemoProgram.NAME);
        slow.with("config").put("count", "6").put("delayMs", "500");
        String id = send(slow);
        awaitAudit(id, "dev.provisioner.run.started");

        TcpLink audit = KafkaBrokerResource.auditLink();
        audit.cut();
        try {
            // The first record the producer gives up on, after its delivery timeout.
            await().atMost(Duration.ofMinutes(2))
                    .until(() ->
                            Files.readString(SERVICE_LOG).contains("audit trail of request " + id + " is incomplete"));
        } finally {
            audit.restore();
        }
        JsonNode done = awaitCompletion(id);

        Schemas.assertValid(Schemas.COMPLETION, done);
        assertThat(done.get("status").asText()).isEqualTo("succeeded");
        assertThat(done.at("/error/type").asText()).isEqualTo("audit");
        long total = done.at("/events/total").asLong();
        assertThat(done.at("/events/audited").asLong()).isLessThan(total + 2);
        List<String> ids =
                auditTrail(id).stream().map(r -> Topics.header(r, "ce_id")).toList();
        assertThat(ids)
                .doesNotHaveDuplicates()
                .hasSizeLessThan((int) total + 3)
                .anyMatch(i -> i.endsWith(":completed"));
        assertThat(Requests.completions(Topics.read(Topics.COMPLETIONS), id)).hasSize(1);
    }

    @Test
    void notStrictARunGoesOnWhileItsAcceptedRecordWaitsForTheBroker() {
        OtlpReceiver otlp = OtlpReceiverResource.receiver();
        var up = withOtel(request("up", "audit-outage", "lenient", StashDemoProgram.NAME), "APP6", "t-lenient");
        String id = up.get("requestId").asText();
        Instant restoredAt;
        TcpLink audit = KafkaBrokerResource.auditLink();
        audit.cut();
        try {
            send(up);
            // The engine runs: its log records reach the OTLP endpoint.
            await().atMost(Requests.RUN_TIMEOUT).until(() -> !otlp.recordsOf(id).isEmpty());
        } finally {
            restoredAt = Instant.now();
            audit.restore();
        }
        JsonNode done = awaitCompletion(id);

        assertThat(Instant.parse(done.get("startedAt").asText())).isBefore(restoredAt);
        assertThat(done.get("status").asText()).isEqualTo("succeeded");
        assertThat(done.has("error"))
                .as("the records were taken once the topic was back: %s", done.get("error"))
                .isFalse();
        assertThat(auditTrail(id).stream().map(r -> Topics.header(r, "ce_type")).toList())
                .startsWith("dev.provisioner.run.accepted", "dev.provisioner.run.started")
                .endsWith("dev.provisioner.run.completed")
                .hasSize((int) done.at("/events/total").asLong() + 3);
    }
}
