package dev.provisioner.verify;

import static dev.provisioner.support.Requests.awaitCompletion;
import static dev.provisioner.support.Requests.request;
import static dev.provisioner.support.Requests.send;
import static dev.provisioner.verify.SyntheticTrail.privateKey;
import static dev.provisioner.verify.SyntheticTrail.publicKey;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioner.audit.chain.AuditChain;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.support.KafkaBrokerResource;
import dev.provisioner.support.RealParts;
import dev.provisioner.support.Schemas;
import dev.provisioner.support.Topics;
import dev.provisioner.verify.SyntheticTrail.Written;
import dev.provisioner.verify.VerificationReport.Kind;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The trail of real runs verifies, and every way of altering it is reported as the right break at the right
 * record. Two requests run on one stack through the service (the real broker and CLI); the test then reads the
 * stack's trail from the audit topic, alters a copy of it, writes the copy to a topic of its own, and verifies
 * what it reads back, as an auditor would.
 */
@QuarkusTest
@RealParts
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealTrailTamperingTest {

    private static final String KEY = "tamper/dev";
    private static final ChainVerifier TRUSTING_K1 = new ChainVerifier(Map.of("k1", publicKey("k1")));

    private TrailReader reader;
    private List<Written> trail;
    private Receipt receipt;
    /** Where the second request's records start in {@link #trail}. */
    private int second;

    @BeforeAll
    void runTwoRequestsOnOneStack() {
        reader = TrailReader.of(KafkaBrokerResource.bootstrapServers(), Duration.ofMinutes(1));
        JsonNode first = awaitCompletion(send(request("up", "tamper", "dev", StashDemoProgram.NAME)));
        var update = request("up", "tamper", "dev", StashDemoProgram.NAME);
        update.with("config").put("count", "3");
        JsonNode done = awaitCompletion(send(update));
        Schemas.assertValid(Schemas.COMPLETION, done);
        assertThat(first.get("status").asText()).isEqualTo("succeeded");
        assertThat(done.get("status").asText()).isEqualTo("succeeded");
        receipt = Receipt.parse(done.toString());
        trail = reader.read(Topics.AUDIT, KEY).records().stream()
                .map(record -> new Written(record.headers(), record.key(), record.value()))
                .toList();
        second = indexOf(done.get("requestId").asText() + ":");
    }

    @Test
    void theRealTrailVerifiesWithTheCompletionsReceipt() {
        VerificationReport report = TRUSTING_K1.verify(reader.read(Topics.AUDIT, KEY), Optional.of(receipt));

        assertThat(report.intact()).as("%s", report).isTrue();
        assertThat(trail).as("both requests, one chain").hasSizeGreaterThan(20);
        assertThat(trail.get(0).seq()).isZero();
        assertThat(trail.get(second).header(AuditChain.PREV))
                .as("the second request links to the first one's checkpoint")
                .isEqualTo(trail.get(second - 1).hash());
        assertThat(trail.get(second - 1).header(AuditChain.KID)).isEqualTo("k1");
        assertThat(report.lastCheckpoint().orElseThrow().chainSequence()).isEqualTo(receipt.chainSequence());
        assertThat(receipt.chainHash()).isEqualTo(trail.get(trail.size() - 1).hash());
    }

    @Test
    void aDeletedRecordIsMissingAtTheNextOne() {
        int deleted = second - 5;
        List<Written> copy = new ArrayList<>(trail);
        copy.remove(deleted);

        assertBreak(verify(copy, null), Kind.MISSING, trail.get(deleted + 1));
    }

    @Test
    void aChangedPayloadByteIsModified() {
        int changed = second + 4;
        List<Written> copy = new ArrayList<>(trail);
        byte[] value = trail.get(changed).value().clone();
        value[value.length / 2] ^= 1;
        copy.set(changed, trail.get(changed).withValue(value));

        assertBreak(verify(copy, null), Kind.MODIFIED, trail.get(changed));
    }

    @Test
    void anInsertedRecordWithAValidLookingChainValueIsInserted() {
        int place = second + 3;
        Written genuine = trail.get(place);
        Written forged = SyntheticTrail.link(
                KEY,
                genuine.seq(),
                genuine.header(AuditChain.PREV),
                "forged:00000000:engine:99",
                "{\"forged\":true}".getBytes(StandardCharsets.UTF_8));
        List<Written> copy = new ArrayList<>(trail);
        copy.add(place, forged);

        assertBreak(verify(copy, null), Kind.INSERTED, forged);
    }

    @Test
    void twoSwappedRecordsAreReordered() {
        int first = second + 6;
        List<Written> copy = new ArrayList<>(trail);
        copy.set(first, trail.get(first + 1));
        copy.set(first + 1, trail.get(first));

        assertBreak(verify(copy, null), Kind.REORDERED, trail.get(first + 1));
    }

    @Test
    void theTailOfARunCutOffAfterItsCompletionIsMissingByTheReceipt() {
        List<Written> copy = new ArrayList<>(trail.subList(0, trail.size() - 4));

        VerificationReport report = verify(copy, receipt);

        assertThat(report.firstBreak()).as("%s", report).isPresent();
        assertThat(report.firstBreak().get().kind()).isEqualTo(Kind.MISSING);
        // A break that concerns no record of the trail is told by the receipt's place in the chain.
        assertThat(report.firstBreak().get().chainSequence()).contains(receipt.chainSequence());
        assertThat(report.firstBreak().get().offset()).isEmpty();
        assertThat(report.intactThrough().orElseThrow().chainSequence())
                .isEqualTo(copy.get(copy.size() - 1).seq());
    }

    @Test
    void aReceiptCheckedAgainstARewrittenTrailFindsItsRecordModified() {
        int changed = second + 4;
        List<Written> copy = new ArrayList<>(trail);
        copy.set(changed, trail.get(changed).withValue("{\"rewritten\":true}".getBytes(StandardCharsets.UTF_8)));
        List<Written> rewritten = SyntheticTrail.rechained(copy, changed);

        assertThat(verify(rewritten, null).intact())
                .as("hashes recomputed and signatures dropped: the chain alone cannot tell")
                .isTrue();
        assertBreak(verify(rewritten, receipt), Kind.MODIFIED, rewritten.get(rewritten.size() - 1));
    }

    @Test
    void aSignatureByAnUnknownKeyIsReported() {
        int checkpoint = second - 1;
        List<Written> copy = new ArrayList<>(trail);
        copy.set(checkpoint, trail.get(checkpoint).signedBy("rogue", privateKey("rogue")));

        assertBreak(verify(copy, null), Kind.UNKNOWN_KEY, trail.get(checkpoint));
    }

    /** Writes the copy to a topic of its own and verifies what is read back. */
    private VerificationReport verify(List<Written> copy, Receipt receipt) {
        String topic = SyntheticTrail.freshTopic(1);
        SyntheticTrail.send(topic, copy);
        return TRUSTING_K1.verify(reader.read(topic, KEY), Optional.ofNullable(receipt));
    }

    private static void assertBreak(VerificationReport report, Kind kind, Written at) {
        assertThat(report.firstBreak()).as("%s", report).isPresent();
        assertThat(report.firstBreak().get().kind()).as("%s", report).isEqualTo(kind);
        assertThat(report.firstBreak().get().ceId()).as("%s", report).contains(at.ceId());
    }

    private int indexOf(String ceIdPrefix) {
        for (int i = 0; i < trail.size(); i++) {
            if (trail.get(i).ceId().startsWith(ceIdPrefix)) {
                return i;
            }
        }
        throw new AssertionError("no record " + ceIdPrefix + "… in the trail");
    }
}
