package dev.provisioner.verify;

import static dev.provisioner.verify.SyntheticTrail.privateKey;
import static dev.provisioner.verify.SyntheticTrail.publicKey;
import static dev.provisioner.verify.SyntheticTrail.trail;
import static dev.provisioner.verify.SyntheticTrail.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.provisioner.audit.chain.AuditChain;
import dev.provisioner.audit.chain.Signatures;
import dev.provisioner.verify.SyntheticTrail.Written;
import dev.provisioner.verify.VerificationReport.Break;
import dev.provisioner.verify.VerificationReport.Checkpoint;
import dev.provisioner.verify.VerificationReport.Kind;
import dev.provisioner.verify.VerificationReport.Link;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The README's verification algorithm on trails made here, each from one valid chain of 20 records (4 requests
 * of 5, each ending with a checkpoint signed by k1) and then tampered with the way the case says.
 */
class ChainVerifierTest {

    private static final ChainVerifier TRUSTING_K1_K2 =
            new ChainVerifier(Map.of("k1", publicKey("k1"), "k2", publicKey("k2")));

    private final List<Written> chain = new SyntheticTrail("p/s").requests(4, 5).written();

    private static VerificationReport verify(List<Written> records) {
        return TRUSTING_K1_K2.verify(trail(records));
    }

    private static Receipt receiptOf(Written checkpoint) {
        return new Receipt(
                checkpoint.seq(),
                checkpoint.hash(),
                checkpoint.header(AuditChain.SIG),
                checkpoint.header(AuditChain.KID));
    }

    /** A link at {@code seq} that looks valid: the right predecessor, its own hash correct, not signed. */
    private Written forgedLink(long seq) {
        return SyntheticTrail.link("p/s", seq, chain.get((int) seq - 1).hash(), "forged:1", utf8("{\"forged\":1}"));
    }

    /** The chain with {@code record} inserted at index {@code at}. */
    private List<Written> inserted(Written record, int at) {
        List<Written> records = new ArrayList<>(chain);
        records.add(at, record);
        return records;
    }

    private static Break breakOf(VerificationReport report) {
        assertThat(report.intact()).as("intact").isFalse();
        return report.firstBreak().orElseThrow();
    }

    private static void assertBreak(Break found, Kind kind, long offset, Written record) {
        assertThat(found.kind()).as(found.detail()).isEqualTo(kind);
        assertThat(found.offset()).as(found.detail()).contains(offset);
        assertThat(found.ceId()).contains(record.ceId());
        assertThat(found.chainSequence()).contains(record.seq());
    }

    @Test
    void anUntouchedTrailIsIntactAndProvenToItsLastCheckpoint() {
        VerificationReport report = verify(chain);

        assertThat(report.firstBreak()).isEmpty();
        assertThat(report.intact()).isTrue();
        assertThat(report.recordsRead()).isEqualTo(20);
        assertThat(report.unchainedBefore()).isZero();
        assertThat(report.chainStart())
                .contains(new Link(0, Optional.of(chain.get(0).ceId()), 0));
        assertThat(report.intactThrough()).contains(new Link(19, Optional.of("req-3:00000003:completed"), 19));
        assertThat(report.lastCheckpoint())
                .contains(new Checkpoint(19, Optional.of("req-3:00000003:completed"), 19, "k1"));
        assertThat(report.unsignedTail()).isZero();
    }

    @Test
    void aDeletedRecordIsMissingAtTheNextOne() {
        List<Written> records = new ArrayList<>(chain);
        records.remove(7);

        VerificationReport report = verify(records);

        assertBreak(breakOf(report), Kind.MISSING, 7, chain.get(8));
        assertThat(report.intactThrough().orElseThrow().chainSequence()).isEqualTo(6);
        assertThat(report.lastCheckpoint().orElseThrow().chainSequence()).isEqualTo(4);
        assertThat(report.unsignedTail()).isEqualTo(2);
    }

    @Test
    void theFirstRecordDeletedIsMissingToo() {
        assertBreak(breakOf(verify(chain.subList(1, 20))), Kind.MISSING, 0, chain.get(1));
    }

    @Test
    void oneChangedByteIsAModifiedRecord() {
        List<Written> records = new ArrayList<>(chain);
        byte[] value = chain.get(11).value().clone();
        value[value.length - 3] ^= 1;
        records.set(11, chain.get(11).withValue(value));

        VerificationReport report = verify(records);

        assertBreak(breakOf(report), Kind.MODIFIED, 11, chain.get(11));
        assertThat(report.intactThrough().orElseThrow().chainSequence()).isEqualTo(10);
    }

    @Test
    void aChangedHeaderIsAModifiedRecord() {
        List<Written> records = new ArrayList<>(chain);
        records.set(3, chain.get(3).with("ce_type", "dev.provisioner.something-else"));

        assertBreak(breakOf(verify(records)), Kind.MODIFIED, 3, chain.get(3));
    }

    @Test
    void aRecordInsertedWithAValidLookingLinkIsInserted() {
        // Right place, right predecessor, its own hash correct: only the genuine record after it tells it apart.
        Written forged = forgedLink(8);

        VerificationReport report = verify(inserted(forged, 8));

        Break found = breakOf(report);
        assertBreak(found, Kind.INSERTED, 8, forged);
        assertThat(found.detail()).contains("offset 9");
        assertThat(report.intactThrough().orElseThrow().chainSequence()).isEqualTo(7);
    }

    @Test
    void aRecordInsertedAfterTheOneWhosePlaceItClaimsIsInserted() {
        Written forged = forgedLink(8);

        VerificationReport report = verify(inserted(forged, 9));

        assertBreak(breakOf(report), Kind.INSERTED, 9, forged);
        assertThat(report.intactThrough().orElseThrow().chainSequence()).isEqualTo(8);
    }

    @Test
    void aRecordInsertedBeforeTheLastCheckpointLosesToItsSignature() {
        // Nothing comes after the genuine record: its signature tells it apart.
        Written forged = forgedLink(19);

        VerificationReport report = verify(inserted(forged, 19));

        assertBreak(breakOf(report), Kind.INSERTED, 19, forged);
        assertThat(report.intactThrough().orElseThrow().chainSequence()).isEqualTo(18);
    }

    @Test
    void aCopyOfARecordIsInserted() {
        assertBreak(breakOf(verify(inserted(chain.get(3), 20))), Kind.INSERTED, 20, chain.get(3));
    }

    @Test
    void aRecordWithoutChainAfterChainedOnesIsInserted() {
        Break found = breakOf(verify(inserted(SyntheticTrail.unchained("p/s", "late:1"), 12)));

        assertThat(found.kind()).isEqualTo(Kind.INSERTED);
        assertThat(found.offset()).contains(12L);
        assertThat(found.ceId()).contains("late:1");
        assertThat(found.chainSequence()).isEmpty();
    }

    @Test
    void twoAdjacentRecordsSwappedAreReorderedAtTheFirst() {
        List<Written> records = new ArrayList<>(chain);
        Collections.swap(records, 10, 11);

        VerificationReport report = verify(records);

        assertBreak(breakOf(report), Kind.REORDERED, 10, chain.get(11));
        assertThat(report.intactThrough().orElseThrow().chainSequence()).isEqualTo(9);
    }

    @Test
    void aTailCutAfterACheckpointIsMissingByTheLastCheckpointsReceipt() {
        List<Written> cut = chain.subList(0, 15);
        Receipt last = receiptOf(chain.get(19));

        VerificationReport alone = verify(cut);
        VerificationReport withReceipt = TRUSTING_K1_K2.verify(trail(cut), Optional.of(last));

        // Without the receipt, the cut is invisible: the trail ends at a checkpoint.
        assertThat(alone.intact()).isTrue();
        Break found = breakOf(withReceipt);
        assertThat(found.kind()).isEqualTo(Kind.MISSING);
        assertThat(found.offset()).isEmpty();
        assertThat(found.chainSequence()).contains(19L);
        assertThat(found.detail()).contains("ends at ce_chainseq 14");
        assertThat(withReceipt.intactThrough().orElseThrow().chainSequence()).isEqualTo(14);
        assertThat(withReceipt.receipt()).isEmpty();
    }

    @Test
    void aReceiptOfACheckpointStillInTheTrailMatchesIt() {
        VerificationReport report =
                TRUSTING_K1_K2.verify(trail(chain.subList(0, 15)), Optional.of(receiptOf(chain.get(14))));

        assertThat(report.intact()).isTrue();
        assertThat(report.receipt())
                .contains(new Link(14, Optional.of(chain.get(14).ceId()), 14));
    }

    @Test
    void aReceiptCatchesATrailRewrittenWithoutTheSigningKey() {
        List<Written> changed = new ArrayList<>(chain);
        changed.set(12, chain.get(12).withValue(utf8("{\"requestId\":\"req-2\",\"id\":\"rewritten\"}")));
        List<Written> rewritten = SyntheticTrail.rechained(changed, 12);

        VerificationReport alone = verify(rewritten);
        VerificationReport withReceipt = TRUSTING_K1_K2.verify(trail(rewritten), Optional.of(receiptOf(chain.get(19))));

        // A consistent chain, but proven only up to the last checkpoint the rewriter could not strip.
        assertThat(alone.intact()).isTrue();
        assertThat(alone.lastCheckpoint().orElseThrow().chainSequence()).isEqualTo(9);
        assertThat(alone.unsignedTail()).isEqualTo(10);
        assertBreak(breakOf(withReceipt), Kind.MODIFIED, 19, chain.get(19));
        assertThat(withReceipt.intactThrough().orElseThrow().chainSequence()).isEqualTo(18);
    }

    @Test
    void aReceiptSignedByAnotherKeyIsInvalid() {
        Written last = chain.get(19);
        var forged = new Receipt(19, last.hash(), Signatures.sign(privateKey("rogue"), last.hash()), "k1");

        Break found = breakOf(TRUSTING_K1_K2.verify(trail(chain), Optional.of(forged)));

        assertThat(found.kind()).isEqualTo(Kind.SIGNATURE_INVALID);
        assertThat(found.offset()).isEmpty();
    }

    @Test
    void aCheckpointSignedByAnUnknownKeyIdIsAnUnknownKey() {
        List<Written> records = new ArrayList<>(chain);
        records.set(14, chain.get(14).signedBy("rogue", privateKey("rogue")));

        VerificationReport report = verify(records);

        Break found = breakOf(report);
        assertBreak(found, Kind.UNKNOWN_KEY, 14, chain.get(14));
        assertThat(found.detail()).contains("rogue").contains("k1, k2");
        assertThat(report.lastCheckpoint().orElseThrow().chainSequence()).isEqualTo(9);
    }

    @Test
    void aCheckpointSignedByTheWrongKeyUnderAKnownKeyIdIsInvalid() {
        List<Written> records = new ArrayList<>(chain);
        records.set(14, chain.get(14).signedBy("k1", privateKey("rogue")));

        assertBreak(breakOf(verify(records)), Kind.SIGNATURE_INVALID, 14, chain.get(14));
    }

    @Test
    void withoutTrustedKeysTheFirstCheckpointIsAnUnknownKey() {
        VerificationReport report = new ChainVerifier(Map.of()).verify(trail(chain));

        Break found = breakOf(report);
        assertBreak(found, Kind.UNKNOWN_KEY, 4, chain.get(4));
        assertThat(found.detail()).contains("no key is trusted");
        assertThat(report.intactThrough().orElseThrow().chainSequence()).isEqualTo(3);
    }

    @Test
    void aKeyRotationIsIntactWhenBothKeysAreTrusted() {
        List<Written> records = new ArrayList<>(chain);
        records.set(14, chain.get(14).signedBy("k2", privateKey("k2")));
        records.set(19, chain.get(19).signedBy("k2", privateKey("k2")));

        VerificationReport report = verify(records);
        VerificationReport k1Only = new ChainVerifier(Map.of("k1", publicKey("k1"))).verify(trail(records));

        assertThat(report.intact()).as(report.firstBreak().toString()).isTrue();
        assertThat(report.lastCheckpoint().orElseThrow().keyId()).isEqualTo("k2");
        assertBreak(breakOf(k1Only), Kind.UNKNOWN_KEY, 14, chain.get(14));
    }

    @Test
    void twoAttemptsOfOneRequestChainOnAsOne() {
        // An attempt cut short by a crash (no checkpoint), then the request run again from the head it left.
        var first = SyntheticTrail.after(chain.get(19));
        first.add("req-4:aaaaaaaa:accepted");
        first.add("req-4:aaaaaaaa:started");
        Written cutShort = first.add("req-4:aaaaaaaa:engine:0");
        var second = SyntheticTrail.after(cutShort);
        second.add("req-4:bbbbbbbb:recovered");
        second.add("req-4:bbbbbbbb:engine:0");
        Written done = second.checkpoint("req-4:bbbbbbbb:completed", "k1", privateKey("k1"));
        List<Written> records = new ArrayList<>(chain);
        records.addAll(first.written());
        records.addAll(second.written());

        VerificationReport report = verify(records);

        assertThat(report.intact()).as(report.firstBreak().toString()).isTrue();
        assertThat(report.lastCheckpoint().orElseThrow().ceId()).contains(done.ceId());
        assertThat(report.intactThrough().orElseThrow().chainSequence()).isEqualTo(25);
        assertThat(report.unsignedTail()).isZero();
    }

    @Test
    void recordsFromBeforeTheChainAreSkippedAndCounted() {
        List<Written> records = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            records.add(SyntheticTrail.unchained("p/s", "old-" + i + ":rejected"));
        }
        records.addAll(chain);

        VerificationReport report = verify(records);

        assertThat(report.intact()).isTrue();
        assertThat(report.recordsRead()).isEqualTo(23);
        assertThat(report.unchainedBefore()).isEqualTo(3);
        assertThat(report.chainStart().orElseThrow().offset()).isEqualTo(3);
        assertThat(report.intactThrough().orElseThrow().offset()).isEqualTo(22);
    }

    @Test
    void aChainWhoseStartRetentionDeletedStartsWhereThePartitionDoes() {
        List<Written> kept = chain.subList(7, 20);

        VerificationReport retained = TRUSTING_K1_K2.verify(trail(kept, 5000));
        VerificationReport untouchedLog = verify(kept);

        assertThat(retained.intact()).as(retained.firstBreak().toString()).isTrue();
        assertThat(retained.chainStart())
                .contains(new Link(5000, Optional.of(chain.get(7).ceId()), 7));
        assertThat(retained.lastCheckpoint().orElseThrow().chainSequence()).isEqualTo(19);
        // A log that starts at offset 0 lost nothing to retention: the chain's start is missing.
        assertBreak(breakOf(untouchedLog), Kind.MISSING, 0, chain.get(7));
        assertThat(breakOf(TRUSTING_K1_K2.verify(trail(kept, 5000), Optional.of(receiptOf(chain.get(4)))))
                        .detail())
                .contains("starts at ce_chainseq 7");
    }

    @Test
    void anEmptyTrailIsIntactAndProvesNothing() {
        VerificationReport report = verify(List.of());

        assertThat(report.intact()).isTrue();
        assertThat(report.intactThrough()).isEmpty();
        assertThat(report.lastCheckpoint()).isEmpty();
    }
}
