package dev.provisioner.verify;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The records of one record key, in offset order, as read from one partition of the audit topic.
 *
 * @param topic the topic they were read from
 * @param key the record key, {@code project/stack} for the records of a stack
 * @param partition the partition the key's records go to
 * @param startOffset the partition's first offset when it was read: above 0 when the start of its log was
 *     deleted (retention), and with it the start of old chains
 * @param endOffset the offset the reading stopped at: the partition's end when it began
 * @param records the key's records between the two offsets, each with key {@code key}
 */
public record Trail(
        String topic, String key, int partition, long startOffset, long endOffset, List<TrailRecord> records) {

    public Trail {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(key, "key");
        records = List.copyOf(records);
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        long previous = -1;
        for (TrailRecord record : records) {
            if (!Arrays.equals(record.key(), keyBytes)) {
                throw new IllegalArgumentException(
                        "records must all have key " + key + ": offset " + record.offset() + " has another");
            }
            if (record.offset() <= previous) {
                throw new IllegalArgumentException(
                        "records must be in offset order: " + record.offset() + " comes after " + previous);
            }
            previous = record.offset();
        }
    }
}
