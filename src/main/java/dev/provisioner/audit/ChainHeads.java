package dev.provisioner.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.provisioner.Channels;
import dev.provisioner.audit.chain.AuditChain;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Where each key's chain ends: the head the next record links to. Read from the topics, since the last
 * writer of a key may have been another replica or this one before a crash: the heads topic names the key's
 * last lifecycle record and its offset (a key it does not name has no chain), and the key's audit partition is
 * read from there to its end for records written after it (the events of an attempt cut short). What this replica wrote and the broker acknowledged is kept, so
 * that the read usually starts at this replica's own last record of the key.
 */
@ApplicationScoped
public class ChainHeads {

    /** The end of a chain: the last record's place, hash and offset; {@link #NONE} for a key without one. */
    public record Head(long sequence, String hash, int partition, long offset) {
        static final Head NONE = new Head(-1, AuditChain.GENESIS, -1, -1);
    }

    private static final Duration POLL = Duration.ofMillis(200);

    private final Map<String, Object> kafka;
    private final String topic;
    private final AuditConfig config;
    private final ObjectMapper mapper;
    /** This replica's last acknowledged record of each key. */
    private final Map<String, Head> acknowledged = new ConcurrentHashMap<>();

    private KafkaConsumer<byte[], byte[]> consumer;

    public ChainHeads(
            @Identifier("default-kafka-broker") Map<String, Object> kafka,
            @ConfigProperty(name = "mp.messaging.outgoing." + Channels.AUDIT + ".topic") String topic,
            AuditConfig config,
            ObjectMapper mapper) {
        this.kafka = Map.copyOf(kafka);
        this.topic = topic;
        this.config = config;
        this.mapper = mapper;
    }

    /** This replica's last acknowledged record of {@code key}, or {@link Head#NONE}. */
    Head lastAcknowledged(String key) {
        return acknowledged.getOrDefault(key, Head.NONE);
    }

    /** A record of {@code key} the broker acknowledged at {@code partition}/{@code offset}. */
    void acknowledged(String key, Head head) {
        acknowledged.merge(key, head, (known, later) -> later.sequence() > known.sequence() ? later : known);
    }

    /**
     * The head of {@code key}'s chain as the topics hold it now.
     *
     * @throws TimeoutException when the topics cannot be read within {@code provisioner.audit.head-timeout}
     */
    public synchronized Head find(String key) throws TimeoutException {
        Instant deadline = Instant.now().plus(config.headTimeout());
        KafkaConsumer<byte[], byte[]> reader = consumer();
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        Head start = acknowledged.get(key);
        if (start == null) {
            Optional<Head> published = checkpointOf(reader, keyBytes, deadline);
            if (published.isEmpty()) {
                // Every chain's first lifecycle record publishes its head: a key without one has no chain.
                return Head.NONE;
            }
            start = published.get();
        }
        Optional<TopicPartition> partition = partitionOf(reader, topic, keyBytes, deadline);
        if (partition.isEmpty()) {
            return start;
        }
        long from = start.partition() == partition.get().partition() ? start.offset() + 1 : 0;
        Head head = start;
        for (ConsumerRecord<byte[], byte[]> record : read(reader, partition.get(), from, deadline)) {
            if (Arrays.equals(keyBytes, record.key())) {
                String sequence = AuditChain.text(record.headers(), AuditChain.SEQ);
                String hash = AuditChain.text(record.headers(), AuditChain.HASH);
                if (sequence != null && hash != null) {
                    head = new Head(Long.parseLong(sequence), hash, record.partition(), record.offset());
                }
            }
        }
        return head;
    }

    /** The key's last checkpoint, from the heads topic. */
    private Optional<Head> checkpointOf(KafkaConsumer<byte[], byte[]> reader, byte[] key, Instant deadline)
            throws TimeoutException {
        Optional<TopicPartition> partition = partitionOf(reader, config.headsTopic(), key, deadline);
        if (partition.isEmpty()) {
            return Optional.empty();
        }
        JsonNode last = null;
        for (ConsumerRecord<byte[], byte[]> record : read(reader, partition.get(), 0, deadline)) {
            if (Arrays.equals(key, record.key()) && record.value() != null) {
                try {
                    last = mapper.readTree(record.value());
                } catch (IOException e) {
                    // Not ours to judge: the audit partition is read from its start instead.
                }
            }
        }
        if (last == null) {
            return Optional.empty();
        }
        return Optional.of(new Head(
                last.path("chainSequence").asLong(),
                last.path("chainHash").asText(),
                last.path("partition").asInt(),
                last.path("offset").asLong()));
    }

    /** The value of a key's heads record. */
    String headsRecord(Head head) {
        return mapper.createObjectNode()
                .put("chainSequence", head.sequence())
                .put("chainHash", head.hash())
                .put("partition", head.partition())
                .put("offset", head.offset())
                .toString();
    }

    /**
     * The partition the producer's default partitioner gives {@code key} on {@code topic}; empty when the
     * topic does not exist (yet): then it holds nothing of the key.
     */
    private static Optional<TopicPartition> partitionOf(
            KafkaConsumer<byte[], byte[]> reader, String topic, byte[] key, Instant deadline) throws TimeoutException {
        var partitions = reader.partitionsFor(topic, remaining(deadline));
        if (partitions == null || partitions.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new TopicPartition(topic, Utils.toPositive(Utils.murmur2(key)) % partitions.size()));
    }

    /** The records of {@code partition} from {@code from} to the end it has now. */
    private static List<ConsumerRecord<byte[], byte[]>> read(
            KafkaConsumer<byte[], byte[]> reader, TopicPartition partition, long from, Instant deadline)
            throws TimeoutException {
        reader.assign(List.of(partition));
        long end = reader.endOffsets(List.of(partition), remaining(deadline)).get(partition);
        long begin =
                reader.beginningOffsets(List.of(partition), remaining(deadline)).get(partition);
        reader.seek(partition, Math.max(from, begin));
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        while (reader.position(partition, remaining(deadline)) < end) {
            if (Instant.now().isAfter(deadline)) {
                throw new TimeoutException("reading " + partition + " took longer than the head timeout");
            }
            reader.poll(POLL).records(partition).forEach(records::add);
        }
        return records;
    }

    private static Duration remaining(Instant deadline) throws TimeoutException {
        Duration left = Duration.between(Instant.now(), deadline);
        if (left.isNegative() || left.isZero()) {
            throw new TimeoutException("the chain head was not found within the head timeout");
        }
        return left;
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        if (consumer == null) {
            Map<String, Object> settings = new HashMap<>(kafka);
            settings.keySet().removeIf(name -> name.startsWith("group.") || name.equals("client.id"));
            settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            settings.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
            settings.put(ConsumerConfig.CLIENT_ID_CONFIG, "provisioner-chain-heads");
            consumer = new KafkaConsumer<>(settings, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }
        return consumer;
    }

    @PreDestroy
    synchronized void stop() {
        if (consumer != null) {
            consumer.close(Duration.ofSeconds(5));
        }
    }
}
