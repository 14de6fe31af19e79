package dev.provisioner.verify;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Reads one key's trail from the audit topic with a plain consumer: the key's partition (as the producer's
 * default partitioner chose it), from its first offset to the end offset it had when the reading began, in a
 * bounded time. No consumer group, nothing committed: any number of readings may run side by side, on any
 * replica or from an auditor's machine. Each reading has a consumer of its own, closed before it returns.
 */
public final class TrailReader {

    /** How long a reading may take when nothing else is said. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private static final Duration POLL = Duration.ofMillis(500);

    private final Map<String, Object> clientConfig;
    private final Duration timeout;

    /**
     * @param clientConfig the consumer's settings: {@code bootstrap.servers}, and whatever else the cluster needs
     *     (security); the reader sets those that make it a group-less reader of raw bytes
     * @param timeout how long one reading may take, connecting included
     */
    public TrailReader(Map<String, Object> clientConfig, Duration timeout) {
        Objects.requireNonNull(clientConfig, "clientConfig");
        if (clientConfig.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG) == null) {
            throw new IllegalArgumentException("clientConfig must have " + ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG);
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, not " + timeout);
        }
        this.clientConfig = Map.copyOf(clientConfig);
        this.timeout = timeout;
    }

    /** A reader of the cluster at {@code bootstrapServers}, with nothing else to set. */
    public static TrailReader of(String bootstrapServers, Duration timeout) {
        return new TrailReader(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), timeout);
    }

    /** The partition the producer's default partitioner gives records of {@code key}. */
    public static int partitionOf(byte[] key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key)) % partitions;
    }

    /**
     * The records of {@code key} on {@code topic}, in offset order.
     *
     * @throws TrailReadException when the topic does not exist, the cluster does not answer, or the reading takes
     *     longer than the timeout
     */
    public Trail read(String topic, String key) {
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (var consumer = new KafkaConsumer<>(settings(), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> partitions = consumer.partitionsFor(topic, left(deadline));
            if (partitions == null || partitions.isEmpty()) {
                throw new TrailReadException("there is no topic " + topic);
            }
            var partition = new TopicPartition(topic, partitionOf(keyBytes, partitions.size()));
            // Assigned before its offsets are asked for: the consumer keeps what it learns of assigned ones only.
            consumer.assign(List.of(partition));
            long start = consumer.beginningOffsets(List.of(partition), left(deadline))
                    .get(partition);
            long end = consumer.endOffsets(List.of(partition), left(deadline)).get(partition);
            consumer.seek(partition, start);
            List<TrailRecord> records = new ArrayList<>();
            long position = start;
            while (position < end) {
                if (System.nanoTime() - deadline > 0) {
                    throw new TrailReadException("read " + (position - start) + " of " + (end - start) + " records of "
                            + partition + " in " + timeout + "; give it more time");
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL).records(partition)) {
                    if (record.offset() < end && Arrays.equals(record.key(), keyBytes)) {
                        records.add(TrailRecord.of(record));
                    }
                }
                position = consumer.position(partition, left(deadline));
            }
            return new Trail(topic, key, partition.partition(), start, end, records);
        } catch (KafkaException e) {
            throw new TrailReadException(
                    "cannot read " + topic + " from " + clientConfig.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG) + ": "
                            + e.getMessage(),
                    e);
        }
    }

    private Map<String, Object> settings() {
        Map<String, Object> settings = new HashMap<>(clientConfig);
        settings.remove(ConsumerConfig.GROUP_ID_CONFIG);
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        settings.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        // Committed records only, should the writer ever use transactions: an aborted record is not in the trail.
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // Records deleted under the reader (retention) would leave a hole, reported as missing: fail instead.
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        return settings;
    }

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    /** The trail could not be read: nothing is known of it. */
    public static final class TrailReadException extends RuntimeException {

        TrailReadException(String message) {
            super(message);
        }

        TrailReadException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
