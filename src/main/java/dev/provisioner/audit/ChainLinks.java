package dev.provisioner.audit;

import dev.provisioner.audit.chain.AuditChain;
import dev.provisioner.contract.Completion;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;

/**
 * The next links of one key's chain. Not thread-safe: a trail links its records under the lock that also
 * keeps their order on the topic.
 */
final class ChainLinks {

    /** One record's link; {@code receipt} is set on checkpoints only. */
    record Link(long sequence, String hash, Completion.Receipt receipt) {}

    private final byte[] key;
    private final CheckpointSigner signer;
    private long sequence;
    private String previous;

    /** @param head the end of the key's chain as it was found: the first link follows it */
    ChainLinks(String key, ChainHeads.Head head, CheckpointSigner signer) {
        this.key = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
        this.signer = signer;
        this.sequence = head.sequence() + 1;
        this.previous = head.hash();
    }

    /** Adds the next link's headers to a record; a checkpoint's also sign its hash. */
    Link link(Headers headers, byte[] value, boolean checkpoint) {
        headers.add(AuditChain.SEQ, utf8(Long.toString(sequence)));
        headers.add(AuditChain.PREV, utf8(previous));
        String hash = AuditChain.hash(headers, key, value);
        headers.add(AuditChain.HASH, utf8(hash));
        Completion.Receipt receipt = null;
        if (checkpoint) {
            receipt = new Completion.Receipt(sequence, hash, signer.sign(hash), signer.keyId());
            headers.add(AuditChain.SIG, utf8(receipt.signature()));
            headers.add(AuditChain.KID, utf8(receipt.keyId()));
        }
        Link link = new Link(sequence, hash, receipt);
        sequence++;
        previous = hash;
        return link;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
