package dev.provisioner.api;

import static dev.provisioner.support.Requests.awaitCompletion;
import static dev.provisioner.support.Requests.request;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioner.audit.ReadsTrail;
import dev.provisioner.audit.chain.Signatures;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.support.KafkaBrokerResource;
import dev.provisioner.support.RealParts;
import dev.provisioner.support.Requests;
import dev.provisioner.support.Schemas;
import dev.provisioner.support.Tokens;
import dev.provisioner.support.Topics;
import dev.provisioner.verify.ChainVerifier;
import dev.provisioner.verify.Receipt;
import dev.provisioner.verify.TrailReader;
import dev.provisioner.verify.VerificationReport;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Secret outputs in the clear for the role that may read them, each read on the replica's audited chain of reads. */
@QuarkusTest
@RealParts
class SecretOutputsTest {

    private static final String SECRET = "revealed-s3cret-value";
    private static final String READER = "sam@example.com";

    @Test
    void theSecretsRoleReadsSecretOutputsInTheClearAndEveryReadIsAudited() throws Exception {
        ObjectNode up = request("up", "secrets", "dev", StashDemoProgram.NAME);
        up.with("config").put("count", "2");
        up.putObject("secretConfig").put("secret", SECRET);
        String id = Requests.send(up);
        JsonNode done = awaitCompletion(id);
        assertThat(done.get("status").asText()).isEqualTo("succeeded");
        assertThat(done.at("/outputs/secret").asText()).isEqualTo("[secret]");
        awaitSucceeded(id);

        // Without the role: refused before anything is read, and no read is recorded.
        outputs(id, Tokens.reader()).statusCode(403);
        outputs(id, Tokens.of(READER, "provisioner-read", "provisioner-submit")).statusCode(403);

        JsonNode revealed = Requests.parse(outputs(id, secretsReader())
                .statusCode(200)
                .body("requestId", equalTo(id))
                .extract()
                .asString());

        assertThat(revealed.at("/outputs/secret").asText()).isEqualTo(SECRET);
        assertThat(revealed.at("/outputs/count").asInt()).isEqualTo(2);
        assertThat(revealed.at("/outputs/values")).hasSize(2);
        assertThat(revealed.get("secretOutputs")).extracting(JsonNode::asText).containsExactly("secret");
        String key = revealed.get("auditKey").asText();
        assertThat(key).startsWith(ReadsTrail.KEY_PREFIX);
        List<ConsumerRecord<String, String>> reads = revealedRecords(id);
        assertThat(reads).hasSize(1);
        ConsumerRecord<String, String> record = reads.get(0);
        assertThat(record.key()).isEqualTo(key);
        JsonNode data = Requests.parse(record.value());
        Schemas.assertValid(Schemas.AUDIT_RECORD, data);
        assertThat(data.get("readBy").asText()).isEqualTo(READER);
        assertThat(data.get("requestId").asText()).isEqualTo(id);
        assertThat(data.get("secretOutputs")).extracting(JsonNode::asText).containsExactly("secret");
        assertThat(data.get("readAt").asText()).isNotBlank();
        assertThat(record.value()).doesNotContain(SECRET);
        assertThat(Topics.read(Topics.AUDIT))
                .filteredOn(r -> "secrets/dev".equals(r.key()))
                .as("the stack's own chain is not written by a read")
                .noneMatch(r -> ReadsTrail.REVEALED.equals(Topics.header(r, "ce_type")));

        // A second read links to the first, and the chain of reads verifies with the service's key.
        outputs(id, secretsReader()).statusCode(200);
        JsonNode receipt = revealed.get("receipt");
        var trail = TrailReader.of(KafkaBrokerResource.bootstrapServers(), Duration.ofSeconds(30))
                .read(Topics.AUDIT, key);
        VerificationReport report = new ChainVerifier(Map.of("k1", publicKey()))
                .verify(
                        trail,
                        Optional.of(new Receipt(
                                receipt.get("chainSequence").asLong(),
                                receipt.get("chainHash").asText(),
                                receipt.get("signature").asText(),
                                receipt.get("keyId").asText())));
        assertThat(report.intact()).as(String.valueOf(report.firstBreak())).isTrue();
        assertThat(trail.records()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(revealedRecords(id)).hasSize(2);

        // A later update of the stack replaces the outputs: the first request's are gone from the state.
        String later = Requests.send(request("up", "secrets", "dev", StashDemoProgram.NAME));
        assertThat(awaitCompletion(later).get("status").asText()).isEqualTo("succeeded");
        awaitSucceeded(later);
        problem(outputs(id, secretsReader()), 409, Problem.OUTPUTS_REPLACED);
        problem(outputs("no-such-request", secretsReader()), 404, Problem.BLANK);
        assertThat(revealedRecords(id)).hasSize(2);
    }

    private static String secretsReader() {
        return Tokens.of(READER, "provisioner-secrets");
    }

    /** Waits until this replica's journal has the request's completion. */
    private static void awaitSucceeded(String id) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> "succeeded"
                        .equals(given().auth()
                                .oauth2(Tokens.reader())
                                .get("/provisions/" + id)
                                .then()
                                .extract()
                                .path("status")));
    }

    private static ValidatableResponse outputs(String id, String token) {
        return given().auth()
                .oauth2(token)
                .get("/provisions/" + id + "/outputs")
                .then();
    }

    private static List<ConsumerRecord<String, String>> revealedRecords(String id) {
        return Topics.read(Topics.AUDIT).stream()
                .filter(r -> ReadsTrail.REVEALED.equals(Topics.header(r, "ce_type")))
                .filter(r -> Topics.header(r, "ce_id").startsWith(id + ":"))
                .toList();
    }

    private static void problem(ValidatableResponse response, int status, String type) {
        response.statusCode(status).contentType(Problem.MEDIA_TYPE).body("type", equalTo(type));
    }

    private static java.security.PublicKey publicKey() throws Exception {
        return Signatures.publicKey(Files.readString(Path.of("src/test/resources/audit-keys/k1.pub.pem")));
    }
}
