package dev.provisioner.audit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The Kafka headers of audit records in CloudEvents binary mode (Kafka protocol binding 1.0): the
 * attributes as {@code ce_} headers but {@code datacontenttype}, which is {@code content-type}, and the
 * {@code sequence} and {@code partitionkey} extensions. One instance serves the records of one source and
 * partition key (a request's trail): the headers they share are encoded once.
 */
public final class CloudEventHeaders {

    static final String CONTENT_TYPE = "application/json";
    /** {@code ce_sequence} is zero-padded to this many digits, so that it also sorts as text. */
    static final int SEQUENCE_DIGITS = 10;

    private static final String ZEROS = "0".repeat(SEQUENCE_DIGITS);
    private static final Header SPEC_VERSION = header("ce_specversion", "1.0");
    private static final Header DATA_CONTENT_TYPE = header("content-type", CONTENT_TYPE);

    private final Header source;
    private final Header partitionKey;

    public CloudEventHeaders(String source, String partitionKey) {
        this.source = header("ce_source", source);
        this.partitionKey = header("ce_partitionkey", partitionKey);
    }

    /** The headers of one record; {@code subject} may be null (no {@code ce_subject}). */
    public Headers of(String id, String type, String subject, Instant time, long sequence) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(SPEC_VERSION);
        headers.add(header("ce_id", id));
        headers.add(header("ce_type", type));
        headers.add(source);
        if (subject != null) {
            headers.add(header("ce_subject", subject));
        }
        headers.add(DATA_CONTENT_TYPE);
        headers.add(header("ce_time", time.toString()));
        headers.add(header("ce_sequence", sequence(sequence)));
        headers.add(partitionKey);
        return headers;
    }

    /** {@code sequence} as {@value #SEQUENCE_DIGITS} digits at least. */
    static String sequence(long sequence) {
        String digits = Long.toString(sequence);
        return digits.length() >= SEQUENCE_DIGITS ? digits : ZEROS.substring(digits.length()) + digits;
    }

    private static Header header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
