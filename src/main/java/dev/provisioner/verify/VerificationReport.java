package dev.provisioner.verify;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Optional;

/**
 * What the verification of one key's trail found (README, "Verifying a key's trail"). A trail is proven up to
 * its {@link #lastCheckpoint}; the records after it, up to {@link #intactThrough}, chain on from it but are not
 * signed yet ({@link #unsignedTail}); {@link #firstBreak} is where the trail stops being the one the service
 * wrote, and nothing after it was checked.
 *
 * @param topic the topic read
 * @param key the record key whose trail this is
 * @param partition the partition the key's records go to
 * @param startOffset the partition's first offset when read (above 0: retention deleted the start of its log)
 * @param endOffset the partition's end offset when the reading began; records from there on were not read
 * @param recordsRead the key's records read
 * @param unchainedBefore records before the first chained one: written before the chain existed, not checked
 * @param chainStart the first record of the chain read: {@code ce_chainseq} 0 unless retention removed the start
 * @param intactThrough the last record accepted before the break (or at the end when none)
 * @param lastCheckpoint the last record with a valid signature among those accepted
 * @param unsignedTail records accepted after {@link #lastCheckpoint} (all of them when there is none)
 * @param receipt the record a receipt was checked against and matched
 * @param firstBreak the first break, if any
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record VerificationReport(
        String topic,
        String key,
        int partition,
        long startOffset,
        long endOffset,
        long recordsRead,
        long unchainedBefore,
        Optional<Link> chainStart,
        Optional<Link> intactThrough,
        Optional<Checkpoint> lastCheckpoint,
        long unsignedTail,
        Optional<Link> receipt,
        Optional<Break> firstBreak) {

    /** The CloudEvents id header, by which breaks name records. */
    public static final String CE_ID = "ce_id";

    /** Whether no break was found. */
    @JsonProperty
    public boolean intact() {
        return firstBreak.isEmpty();
    }

    /** A record of the chain: where it is, its {@code ce_id} and its {@code ce_chainseq}. */
    @JsonInclude(JsonInclude.Include.NON_ABSENT)
    public record Link(long offset, Optional<String> ceId, long chainSequence) {}

    /** A checkpoint whose signature verified, and the id of the key that made it. */
    @JsonInclude(JsonInclude.Include.NON_ABSENT)
    public record Checkpoint(long offset, Optional<String> ceId, long chainSequence, String keyId) {}

    /**
     * Where the trail breaks. A break found by a receipt's check may concern no record of the trail (a receipt
     * for records cut off, or one whose signature fails): then it has no offset and no {@code ce_id}, and its
     * {@code chainSequence} is the receipt's.
     *
     * @param chainSequence the record's {@code ce_chainseq}; absent when it has none that is a number
     * @param detail what was found, in one line
     */
    @JsonInclude(JsonInclude.Include.NON_ABSENT)
    public record Break(
            Kind kind, Optional<Long> offset, Optional<String> ceId, Optional<Long> chainSequence, String detail) {}

    /** What kind of break: the README's algorithm names them. */
    public enum Kind {
        /** Records the chain needs are not in the trail: deleted, or cut off after the last one read. */
        MISSING,
        /** A record's content is not what its hash was taken over. */
        MODIFIED,
        /** A record that is not a link of the chain the service wrote. */
        INSERTED,
        /** A record that comes before one it follows in the chain. */
        REORDERED,
        /** A signature that does not verify with the key its key id names. */
        SIGNATURE_INVALID,
        /** A signature by a key id that is not trusted. */
        UNKNOWN_KEY
    }
}
