package dev.provisioner.audit;

import static dev.provisioner.support.Requests.auditTrail;
import static dev.provisioner.support.Requests.awaitCompletion;
import static dev.provisioner.support.Requests.request;
import static dev.provisioner.support.Requests.send;
import static dev.provisioner.support.Requests.withOtel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.support.KafkaBrokerResource;
import dev.provisioner.support.OtlpReceiver;
import dev.provisioner.support.OtlpReceiverResource;
import dev.provisioner.support.RealParts;
import dev.provisioner.support.Requests;
import dev.provisioner.support.TcpLink;
import dev.provisioner.support.Topics;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Strict audit trail (the default): a run starts only once the broker has acknowledged its
 * {@code accepted} record. The audit topic is made unavailable by cutting the audit producer's link to
 * the broker; requests and completions still flow.
 */
@QuarkusTest
@RealParts
class StrictAuditTest {

    private static final Path SERVICE_LOG = Path.of("target/provisioner-test.log");

    @Test
    void aRunStartsOnlyOnceItsAcceptedRecordIsAcknowledged() {
        OtlpReceiver otlp = OtlpReceiverResource.receiver();
        TcpLink audit = KafkaBrokerResource.auditLink();
        var up = withOtel(request("up", "strict-audit", "dev", StashDemoProgram.NAME), "APP7", "t-strict");
        String id = up.get("requestId").asText();
        Instant restoredAt;
        audit.cut();
        try {
            send(up);
            await().atMost(Requests.RUN_TIMEOUT)
                    .until(() -> Files.readString(SERVICE_LOG)
                            .contains("request " + id + " (up strict-audit/dev) accepted"));
            // Taken, and held: no engine event reaches the OTLP endpoint.
            await().during(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> otlp.recordsOf(id).isEmpty());
        } finally {
            restoredAt = Instant.now();
            audit.restore();
        }
        JsonNode done = awaitCompletion(id);

        assertThat(done.get("status").asText()).isEqualTo("succeeded");
        assertThat(done.has("error")).as("error %s", done.get("error")).isFalse();
        assertThat(Instant.parse(done.get("startedAt").asText())).isAfterOrEqualTo(restoredAt);
        ConsumerRecord<String, String> accepted = auditTrail(id).get(0);
        assertThat(Topics.header(accepted, "ce_type")).isEqualTo("dev.provisioner.run.accepted");
        assertThat(Instant.parse(Topics.header(accepted, "ce_time")))
                .as("accepted while the topic was unavailable")
                .isBefore(restoredAt);
        assertThat(Requests.completions(Topics.read(Topics.COMPLETIONS), id)).hasSize(1);
    }
}
