package dev.provisioner.verify;

import dev.provisioner.audit.chain.AuditChain;
import dev.provisioner.audit.chain.Signatures;
import dev.provisioner.verify.VerificationReport.Break;
import dev.provisioner.verify.VerificationReport.Checkpoint;
import dev.provisioner.verify.VerificationReport.Kind;
import dev.provisioner.verify.VerificationReport.Link;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Verifies one key's audit trail by the README's algorithm ("Verifying a key's trail"), and nothing else: it
 * reads no topic and keeps no state between trails, so the same trail always gets the same report. The step
 * numbers in the comments are the README's. Longer than most files here: it is that algorithm, whole, in its
 * order, for an auditor to hold against the README.
 */
public final class ChainVerifier {

    /** A {@code ce_chainseq} as the writer writes it: decimal, no sign, no leading zero, fits a long. */
    private static final Pattern SEQUENCE = Pattern.compile("0|[1-9][0-9]{0,17}");

    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

    private final Map<String, PublicKey> trusted;

    /** @param trusted the public keys whose checkpoints and receipts are trusted, by key id; may be empty */
    public ChainVerifier(Map<String, PublicKey> trusted) {
        this.trusted = Map.copyOf(Objects.requireNonNull(trusted, "trusted"));
    }

    /** The report on {@code trail}. */
    public VerificationReport verify(Trail trail) {
        return verify(trail, Optional.empty());
    }

    /** The report on {@code trail}, also checked against a requester's {@code receipt} when there is one. */
    public VerificationReport verify(Trail trail, Optional<Receipt> receipt) {
        return new Walk(trail).run(receipt);
    }

    /** A record that passed steps 1 to 4, with what step 5 reads of it. */
    private record Candidate(TrailRecord record, long seq, String prev, String hash, Optional<String> keyId) {

        Link link() {
            return new Link(record.offset(), record.ceId(), seq);
        }
    }

    /** One pass over one trail. */
    private final class Walk {

        private final Trail trail;
        private final List<TrailRecord> records;
        /** The records accepted so far, the chain in order: {@code ce_chainseq} goes up by one from the first. */
        private final List<Candidate> accepted = new ArrayList<>();

        private final Map<String, TrailRecord> byHash = new HashMap<>();
        private Optional<Link> receiptMatched = Optional.empty();

        Walk(Trail trail) {
            this.trail = trail;
            this.records = trail.records();
        }

        VerificationReport run(Optional<Receipt> receipt) {
            int first = 0;
            while (first < records.size()
                    && records.get(first).header(AuditChain.HASH).isEmpty()) {
                first++;
            }
            Optional<Break> found = Optional.empty();
            for (int i = first; i < records.size() && found.isEmpty(); i++) {
                found = step(i);
            }
            if (found.isEmpty() && receipt.isPresent()) {
                found = check(receipt.get());
            }
            return report(first, found);
        }

        private Optional<Break> step(int i) {
            TrailRecord record = records.get(i);
            // 1. Not a link, or a copy of one.
            Optional<String> claimed = record.header(AuditChain.HASH);
            if (claimed.isEmpty()) {
                return found(Kind.INSERTED, record, "no " + AuditChain.HASH + ", after chained records");
            }
            String hash = claimed.get();
            TrailRecord twin = byHash.get(hash);
            if (twin != null) {
                return found(
                        Kind.INSERTED,
                        record,
                        "the same " + AuditChain.HASH + " as the record at offset " + twin.offset() + ": a copy");
            }
            // 2. Changed since it was hashed.
            String actual = AuditChain.hash(record.headers(), record.key(), record.value());
            if (!actual.equals(hash)) {
                return found(
                        Kind.MODIFIED,
                        record,
                        "its canonical form hashes to " + brief(actual) + ", its " + AuditChain.HASH + " is "
                                + brief(hash));
            }
            // 3. A checkpoint must be signed by a trusted key.
            Optional<String> keyId = Optional.empty();
            Optional<String> signature = record.header(AuditChain.SIG);
            if (signature.isPresent()) {
                Optional<String> kid = record.header(AuditChain.KID);
                PublicKey key = kid.map(trusted::get).orElse(null);
                if (key == null) {
                    return found(Kind.UNKNOWN_KEY, record, untrusted("its " + AuditChain.SIG, kid));
                }
                if (!Signatures.verify(key, hash, signature.get())) {
                    return found(
                            Kind.SIGNATURE_INVALID,
                            record,
                            "its " + AuditChain.SIG + " is not key " + kid.get() + "'s signature of its hash");
                }
                keyId = kid;
            }
            // 4. The writer always writes both well formed, and step 2 found no change since.
            Optional<Long> seq = sequence(record);
            if (seq.isEmpty()) {
                return found(Kind.INSERTED, record, "its " + AuditChain.SEQ + " is not a decimal number");
            }
            Optional<String> prev = record.header(AuditChain.PREV).filter(HASH.asMatchPredicate());
            if (prev.isEmpty()) {
                return found(Kind.INSERTED, record, "its " + AuditChain.PREV + " is not 64 lower-case hex digits");
            }
            // 5. Its place in the chain.
            return place(i, new Candidate(record, seq.get(), prev.get(), hash, keyId));
        }

        private Optional<Break> place(int i, Candidate record) {
            Candidate tip = accepted.isEmpty() ? null : accepted.get(accepted.size() - 1);
            long tipSeq = tip == null ? -1 : tip.seq();
            String tipHash = tip == null ? AuditChain.GENESIS : tip.hash();
            boolean retentionStart = tip == null && trail.startOffset() > 0;
            if (retentionStart || record.seq() == tipSeq + 1 && record.prev().equals(tipHash)) {
                accepted.add(record);
                byHash.put(record.hash(), record.record());
                return Optional.empty();
            }
            Candidate rival = at(record.seq());
            if (rival != null && rival.prev().equals(record.prev())) {
                return fork(i, rival, record, tip);
            }
            String after = tip == null
                    ? "the chain's first record has " + seq(record.seq())
                    : seq(record.seq()) + " after " + tipSeq;
            if (record.seq() > tipSeq + 1) {
                Optional<TrailRecord> between = later(
                        i,
                        r -> sequence(r)
                                .filter(s -> s > tipSeq && s < record.seq())
                                .isPresent());
                return between.isPresent()
                        ? found(
                                Kind.REORDERED,
                                record.record(),
                                after + "; " + sequence(between.get()).orElseThrow() + " comes later, at offset "
                                        + between.get().offset())
                        : found(
                                Kind.MISSING,
                                record.record(),
                                after + ": " + (tipSeq + 1)
                                        + (record.seq() - 1 > tipSeq + 1 ? " to " + (record.seq() - 1) : "")
                                        + " not in the trail");
            }
            String link = seq(record.seq()) + " and " + AuditChain.PREV + " " + brief(record.prev()) + " do not follow "
                    + (tip == null ? "the chain's start" : seq(tipSeq));
            Optional<TrailRecord> goesOn =
                    later(i, r -> r.header(AuditChain.PREV).equals(Optional.of(tipHash)));
            return goesOn.isPresent()
                    ? found(
                            Kind.INSERTED,
                            record.record(),
                            link + ", which the record at offset "
                                    + goesOn.get().offset() + " follows")
                    : found(
                            Kind.MISSING,
                            record.record(),
                            link + ", nor does any record: the one it follows is not in the trail");
        }

        /**
         * Two records claim one place: the genuine one is the signed one, else the one the trail goes on from,
         * else the one accepted first; the other is reported. Reported records and those accepted after them
         * are no longer intact.
         */
        private Optional<Break> fork(int i, Candidate rival, Candidate record, Candidate tip) {
            Candidate genuine;
            String why;
            if (rival.keyId().isPresent() != record.keyId().isPresent()) {
                genuine = rival.keyId().isPresent() ? rival : record;
                why = "is a checkpoint signed by " + genuine.keyId().orElseThrow();
            } else {
                boolean fromRival = rival != tip || goesOnFrom(i, rival);
                boolean fromRecord = goesOnFrom(i, record);
                genuine = fromRival == fromRecord || fromRival ? rival : record;
                why = fromRival == fromRecord ? "came first" : "is the one the trail goes on from";
            }
            Candidate other = genuine == rival ? record : rival;
            if (other == rival) {
                accepted.subList(accepted.indexOf(rival), accepted.size()).clear();
            }
            return found(
                    Kind.INSERTED,
                    other.record(),
                    seq(other.seq()) + " is claimed also by the record at offset "
                            + genuine.record().offset() + ", which " + why);
        }

        /** Step 6: the receipt's signature, and the accepted record at its place. */
        private Optional<Break> check(Receipt receipt) {
            PublicKey key = trusted.get(receipt.keyId());
            if (key == null) {
                return receiptBreak(Kind.UNKNOWN_KEY, receipt, untrusted("the receipt", Optional.of(receipt.keyId())));
            }
            if (!Signatures.verify(key, receipt.chainHash(), receipt.signature())) {
                return receiptBreak(
                        Kind.SIGNATURE_INVALID,
                        receipt,
                        "the receipt's signature is not key " + receipt.keyId() + "'s signature of its chainHash");
            }
            Candidate record = at(receipt.chainSequence());
            if (record == null) {
                String where = "the trail has no chained record";
                if (!accepted.isEmpty()) {
                    long last = accepted.get(accepted.size() - 1).seq();
                    where = receipt.chainSequence() > last
                            ? "the trail ends at " + seq(last) + ": cut off"
                            : "the trail starts at " + seq(accepted.get(0).seq())
                                    + ": it is no longer in the partition";
                }
                return receiptBreak(
                        Kind.MISSING, receipt, "the receipt is for " + seq(receipt.chainSequence()) + "; " + where);
            }
            if (!record.hash().equals(receipt.chainHash())) {
                // Like every break, it ends what is intact: the report never says a record is both.
                accepted.subList(accepted.indexOf(record), accepted.size()).clear();
                return found(
                        Kind.MODIFIED,
                        record.record(),
                        "its " + AuditChain.HASH + " " + brief(record.hash())
                                + " is not the receipt's " + brief(receipt.chainHash())
                                + ": the trail was rewritten since the receipt was signed");
            }
            receiptMatched = Optional.of(record.link());
            return Optional.empty();
        }

        private VerificationReport report(int unchained, Optional<Break> found) {
            Optional<Candidate> checkpoint = Optional.empty();
            for (Candidate record : accepted) {
                if (record.keyId().isPresent()) {
                    checkpoint = Optional.of(record);
                }
            }
            long signed = checkpoint.map(c -> accepted.indexOf(c) + 1).orElse(0);
            return new VerificationReport(
                    trail.topic(),
                    trail.key(),
                    trail.partition(),
                    trail.startOffset(),
                    trail.endOffset(),
                    records.size(),
                    unchained,
                    accepted.stream().findFirst().map(Candidate::link),
                    accepted.isEmpty()
                            ? Optional.empty()
                            : Optional.of(accepted.get(accepted.size() - 1).link()),
                    checkpoint.map(c -> new Checkpoint(
                            c.record().offset(),
                            c.record().ceId(),
                            c.seq(),
                            c.keyId().orElseThrow())),
                    accepted.size() - signed,
                    receiptMatched,
                    found);
        }

        private Candidate at(long seq) {
            if (accepted.isEmpty()) {
                return null;
            }
            long index = seq - accepted.get(0).seq();
            return index >= 0 && index < accepted.size() ? accepted.get((int) index) : null;
        }

        private boolean goesOnFrom(int i, Candidate record) {
            return later(i, r -> r.header(AuditChain.PREV).equals(Optional.of(record.hash())))
                    .isPresent();
        }

        private Optional<TrailRecord> later(int i, Predicate<TrailRecord> test) {
            return records.subList(i + 1, records.size()).stream().filter(test).findFirst();
        }

        private String untrusted(String what, Optional<String> kid) {
            if (kid.isEmpty()) {
                return what + " has no " + AuditChain.KID;
            }
            String known = trusted.isEmpty()
                    ? "no key is trusted"
                    : "trusted: " + String.join(", ", new TreeSet<>(trusted.keySet()));
            return what + " is signed by key id " + kid.get() + ", which is not trusted (" + known + ")";
        }
    }

    private static Optional<Break> found(Kind kind, TrailRecord record, String detail) {
        return Optional.of(new Break(kind, Optional.of(record.offset()), record.ceId(), sequence(record), detail));
    }

    private static Optional<Break> receiptBreak(Kind kind, Receipt receipt, String detail) {
        return Optional.of(
                new Break(kind, Optional.empty(), Optional.empty(), Optional.of(receipt.chainSequence()), detail));
    }

    private static Optional<Long> sequence(TrailRecord record) {
        return record.header(AuditChain.SEQ).filter(SEQUENCE.asMatchPredicate()).map(Long::valueOf);
    }

    private static String seq(long seq) {
        return AuditChain.SEQ + " " + seq;
    }

    private static String brief(String hash) {
        return hash.length() > 12 ? hash.substring(0, 12) + "…" : hash;
    }
}
