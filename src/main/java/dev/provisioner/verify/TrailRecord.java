package dev.provisioner.verify;

import dev.provisioner.audit.chain.AuditChain;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;

/**
 * One record of an audit trail as the topic holds it: what its hash is taken over (headers, key, value) and
 * where it is (partition, offset), which is how a break is reported.
 *
 * @param key the record key's bytes, null for none
 * @param value the record value's bytes, null for a tombstone
 */
public record TrailRecord(int partition, long offset, byte[] key, Headers headers, byte[] value) {

    public TrailRecord {
        Objects.requireNonNull(headers, "headers");
    }

    /** The record as the consumer read it. */
    public static TrailRecord of(ConsumerRecord<byte[], byte[]> record) {
        return new TrailRecord(record.partition(), record.offset(), record.key(), record.headers(), record.value());
    }

    /** The value of header {@code name} as text. */
    public Optional<String> header(String name) {
        return Optional.ofNullable(AuditChain.text(headers, name));
    }

    /** The CloudEvents id the record names itself by. */
    public Optional<String> ceId() {
        return header(VerificationReport.CE_ID);
    }
}
