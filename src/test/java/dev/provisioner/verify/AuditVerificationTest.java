package dev.provisioner.verify;

import static dev.provisioner.verify.SyntheticTrail.privateKey;
import static dev.provisioner.verify.SyntheticTrail.publicKey;
import static dev.provisioner.verify.SyntheticTrail.publicKeyFile;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.provisioner.audit.chain.AuditChain;
import dev.provisioner.support.KafkaBrokerResource;
import dev.provisioner.support.RealParts;
import dev.provisioner.support.Tokens;
import dev.provisioner.support.Topics;
import dev.provisioner.verify.SyntheticTrail.Written;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verifier against the real broker: trails written with a plain producer, as the writer writes them, read
 * back with {@link TrailReader} and verified, by the {@link VerifyAudit} command and by the REST endpoint.
 */
@QuarkusTest
@RealParts
class AuditVerificationTest {

    /** Not the audit topic's 4, so that the reader's partition has to come from the topic it reads. */
    private static final int PARTITIONS = 3;

    private static final ChainVerifier TRUSTING_K1 = new ChainVerifier(Map.of("k1", publicKey("k1")));

    @Test
    void aTrailOnTheBrokerIsReadFromItsKeysPartitionAndVerified() {
        String topic = SyntheticTrail.freshTopic(PARTITIONS);
        String key = "verify/intact";
        List<Written> chain = new SyntheticTrail(key).requests(4, 5).written();
        // Another key's chain on the same partition, record for record between this one's: not this key's trail.
        List<Written> neighbour =
                new SyntheticTrail(neighbourOf(key)).requests(4, 5).written();
        List<Written> interleaved = new ArrayList<>();
        for (int i = 0; i < chain.size(); i++) {
            interleaved.add(neighbour.get(i));
            interleaved.add(chain.get(i));
        }

        List<RecordMetadata> sent = SyntheticTrail.send(topic, interleaved);
        Trail trail = TrailReader.of(KafkaBrokerResource.bootstrapServers(), Duration.ofSeconds(30))
                .read(topic, key);
        VerificationReport report = TRUSTING_K1.verify(trail);

        RecordMetadata last = sent.get(sent.size() - 1);
        assertThat(trail.partition()).as("the producer's partition").isEqualTo(last.partition());
        assertThat(sent).allSatisfy(m -> assertThat(m.partition()).isEqualTo(last.partition()));
        assertThat(trail.records())
                .extracting(TrailRecord::ceId)
                .containsExactlyElementsOf(
                        chain.stream().map(w -> Optional.of(w.ceId())).toList());
        assertThat(trail.endOffset()).isEqualTo(last.offset() + 1);
        assertThat(report.intact()).as(report.firstBreak().toString()).isTrue();
        assertThat(report.intactThrough().orElseThrow().offset()).isEqualTo(last.offset());
        assertThat(report.lastCheckpoint().orElseThrow().keyId()).isEqualTo("k1");
        assertThat(report.recordsRead()).isEqualTo(20);
    }

    @Test
    void theCommandExitsWithWhatItFound(@TempDir Path dir) throws Exception {
        String topic = SyntheticTrail.freshTopic(PARTITIONS);
        String key = "verify/command";
        List<Written> chain = new SyntheticTrail(key).requests(5, 5).written();
        SyntheticTrail.send(topic, chain.subList(0, 20));
        Written cutOff = chain.get(24);
        Path completion = dir.resolve("completion.json");
        Files.writeString(
                completion,
                "{\"requestId\":\"req-4\",\"status\":\"succeeded\",\"receipt\":{\"chainSequence\":" + cutOff.seq()
                        + ",\"chainHash\":\"" + cutOff.hash() + "\",\"signature\":\""
                        + cutOff.header(AuditChain.SIG) + "\",\"keyId\":\"k1\"}}");
        String[] verify = {
            "--bootstrap-servers",
            KafkaBrokerResource.bootstrapServers(),
            "--topic",
            topic,
            "--key",
            key,
            "--public-key",
            "k1=" + publicKeyFile("k1")
        };

        Run intact = run(verify);
        Run cut = run(concat(verify, "--receipt", completion.toString()));
        Run noKey = run("--bootstrap-servers", KafkaBrokerResource.bootstrapServers(), "--topic", topic);
        Run badKeyFile = run(concat(verify, "--public-key", "k2=" + dir.resolve("absent.pem")));
        Run noTopic = run(
                "--bootstrap-servers",
                KafkaBrokerResource.bootstrapServers(),
                "--topic",
                "verify-absent-" + UUID.randomUUID(),
                "--key",
                key,
                "--timeout",
                "20");

        assertThat(intact.status()).as(intact.err()).isEqualTo(VerifyAudit.INTACT);
        assertThat(intact.out()).contains("INTACT", "signed by k1", "chainseq 19 at offset 19");
        JsonNode report = intact.json();
        assertThat(report.get("intact").asBoolean()).isTrue();
        assertThat(report.at("/lastCheckpoint/chainSequence").asLong()).isEqualTo(19);
        assertThat(report.has("firstBreak")).isFalse();

        assertThat(cut.status()).as(cut.err()).isEqualTo(VerifyAudit.BROKEN);
        assertThat(cut.out()).contains("BREAK MISSING");
        assertThat(cut.json().at("/firstBreak/kind").asText()).isEqualTo("MISSING");
        assertThat(cut.json().at("/firstBreak/chainSequence").asLong()).isEqualTo(24);

        assertThat(noKey.status()).isEqualTo(VerifyAudit.USAGE);
        assertThat(noKey.err()).contains("--key is required", "usage:");
        assertThat(badKeyFile.status()).isEqualTo(VerifyAudit.USAGE);
        assertThat(badKeyFile.err()).contains("public key k2", "absent.pem");
        assertThat(noTopic.status()).as(noTopic.out()).isEqualTo(VerifyAudit.UNREADABLE);
        assertThat(noTopic.err()).contains("no topic");
    }

    @Test
    void theEndpointVerifiesAStacksTrailOnTheAuditTopic() {
        String project = "verify-" + UUID.randomUUID().toString().substring(0, 8);
        var trail = new SyntheticTrail(project + "/dev");
        for (int i = 0; i < 3; i++) {
            trail.add("req-0:0000000a:engine:" + i);
        }
        trail.checkpoint("req-0:0000000a:completed", "k1", privateKey("k1"));
        trail.add("req-1:0000000b:accepted");
        // A rotated key: both are trusted in the test profile's configuration.
        Written last = trail.checkpoint("req-1:0000000b:completed", "k2", privateKey("k2"));
        SyntheticTrail.send(Topics.AUDIT, trail.written());

        verification(Tokens.reader(), project, "dev")
                .statusCode(200)
                .body("intact", equalTo(true))
                .body("topic", equalTo(Topics.AUDIT))
                .body("key", equalTo(project + "/dev"))
                .body("recordsRead", equalTo(6))
                .body("lastCheckpoint.chainSequence", equalTo(5))
                .body("lastCheckpoint.keyId", equalTo("k2"))
                .body("lastCheckpoint.ceId", equalTo(last.ceId()))
                .body("unsignedTail", equalTo(0))
                .body("$", not(hasKey("firstBreak")));

        SyntheticTrail.send(Topics.AUDIT, List.of(trail.written().get(1)));

        verification(Tokens.reader(), project, "dev")
                .statusCode(200)
                .body("intact", equalTo(false))
                .body("firstBreak.kind", equalTo("INSERTED"))
                .body("firstBreak.ceId", equalTo("req-0:0000000a:engine:1"))
                .body("intactThrough.chainSequence", equalTo(5));
        verification(Tokens.reader(), project, "-dev").statusCode(400);
        given().get("/stacks/{project}/dev/audit/verification", project).then().statusCode(401);
        verification(Tokens.submitter(), project, "dev").statusCode(403);
    }

    private static ValidatableResponse verification(String token, String project, String stack) {
        return given().auth()
                .oauth2(token)
                .get("/stacks/{project}/{stack}/audit/verification", project, stack)
                .then();
    }

    private record Run(int status, String out, String err) {

        /** The JSON report, after the report in words. */
        JsonNode json() throws Exception {
            return new ObjectMapper().readTree(out.substring(out.indexOf("\n{") + 1));
        }
    }

    private static Run run(String... args) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        int status = VerifyAudit.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String[] concat(String[] args, String... more) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    /** A key whose records go to the same partition as {@code key}'s. */
    private static String neighbourOf(String key) {
        int partition = TrailReader.partitionOf(SyntheticTrail.utf8(key), PARTITIONS);
        for (int i = 0; ; i++) {
            String other = "neighbour/" + i;
            if (TrailReader.partitionOf(SyntheticTrail.utf8(other), PARTITIONS) == partition) {
                return other;
            }
        }
    }
}
