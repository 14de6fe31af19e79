package dev.provisioner.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * One topic read by one consumer, assigned every partition from the beginning, that goes on where it left
 * off and keeps what it read: a test awaiting a record reads only what is new at each poll, not the whole
 * topic again. Safe to use from several threads (awaitility polls from its own); closed when the broker goes.
 */
final class TopicReader implements AutoCloseable {

    /** How long one read may take to reach the end of the topic: the consumer's default API timeout. */
    private static final Duration READ_TIMEOUT = Duration.ofMinutes(1);

    private final String bootstrapServers;
    private final String topic;
    /** Partition number to its records so far, in offset order. */
    private final Map<Integer, List<ConsumerRecord<String, String>>> kept = new TreeMap<>();

    private KafkaConsumer<String, String> consumer;
    private List<TopicPartition> partitions;
    private boolean closed;

    TopicReader(String bootstrapServers, String topic) {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
    }

    /** Every record of the topic so far, partition by partition, each in offset order. */
    synchronized List<ConsumerRecord<String, String>> readToEnd() {
        if (closed) {
            throw new IllegalStateException("the reader of " + topic + " is closed: its broker has stopped");
        }
        try {
            if (consumer == null) {
                open();
            }
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("cannot read " + topic + " up to " + end + " in " + READ_TIMEOUT);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(this::keep);
            }
        } catch (RuntimeException e) {
            // Whatever state the consumer is in, the next read starts over from the beginning.
            closeConsumer();
            throw e;
        }
        List<ConsumerRecord<String, String>> all = new ArrayList<>();
        kept.values().forEach(all::addAll);
        return all;
    }

    private void open() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        // No group: nothing is committed, and the reader owns every partition.
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
        partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    private void keep(ConsumerRecord<String, String> record) {
        List<ConsumerRecord<String, String>> records = kept.computeIfAbsent(record.partition(), p -> new ArrayList<>());
        // A log that went back (offsets out of range, read again from the earliest) is not kept twice.
        while (!records.isEmpty() && records.get(records.size() - 1).offset() >= record.offset()) {
            records.remove(records.size() - 1);
        }
        records.add(record);
    }

    private void closeConsumer() {
        if (consumer != null) {
            consumer.close();
            consumer = null;
        }
        kept.clear();
    }

    /** Safe to call twice. */
    @Override
    public synchronized void close() {
        closed = true;
        closeConsumer();
    }
}
