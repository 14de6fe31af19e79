package dev.provisioner.audit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The Kafka headers of an audit record in CloudEvents binary mode (Kafka protocol binding 1.0): the
 * attributes as {@code ce_} headers but {@code datacontenttype}, which is {@code content-type}, and the
 * {@code sequence} and {@code partitionkey} extensions.
 */
public final class CloudEventHeaders {

    static final String SPEC_VERSION = "1.0";
    static final String CONTENT_TYPE = "application/json";
    /** {@code ce_sequence} is zero-padded to this many digits, so that it also sorts as text. */
    static final int SEQUENCE_DIGITS = 10;

    private static final String ZEROS = "0".repeat(SEQUENCE_DIGITS);

    private CloudEventHeaders() {}

    /** The headers of one record; {@code subject} may be null (no {@code ce_subject}). */
    public static Headers of(
            String id, String type, String source, String subject, Instant time, long sequence, String partitionKey) {
        RecordHeaders headers = new RecordHeaders();
        add(headers, "ce_specversion", SPEC_VERSION);
        add(headers, "ce_id", id);
        add(headers, "ce_type", type);
        add(headers, "ce_source", source);
        if (subject != null) {
            add(headers, "ce_subject", subject);
        }
        add(headers, "content-type", CONTENT_TYPE);
        add(headers, "ce_time", time.toString());
        add(headers, "ce_sequence", sequence(sequence));
        add(headers, "ce_partitionkey", partitionKey);
        return headers;
    }

    /** {@code sequence} as {@value #SEQUENCE_DIGITS} digits at least. */
    static String sequence(long sequence) {
        String digits = Long.toString(sequence);
        return digits.length() >= SEQUENCE_DIGITS ? digits : ZEROS.substring(digits.length()) + digits;
    }

    private static void add(Headers headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
