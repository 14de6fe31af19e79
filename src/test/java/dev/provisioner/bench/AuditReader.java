package dev.provisioner.bench;

import dev.provisioner.support.KafkaBrokerResource;
import dev.provisioner.support.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the audit topic while a run writes it, with a plain consumer as an auditor would, and notes when
 * the record of each engine event arrives (by the engine sequence at the end of its {@code ce_id}).
 */
final class AuditReader implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(100);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String idPrefix;
    private final Arrivals arrivals;
    private final Thread thread;
    private volatile boolean reading = true;

    private AuditReader(String idPrefix, Arrivals arrivals) {
        this.idPrefix = idPrefix;
        this.arrivals = arrivals;
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerResource.bootstrapServers());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.AUDIT).stream()
                .map(p -> new TopicPartition(Topics.AUDIT, p.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        // Resolves the end offsets now, before the run writes anything, so that no record is skipped.
        partitions.forEach(consumer::position);
        thread = new Thread(this::read, "bench-audit-reader");
        thread.setDaemon(true);
    }

    /**
     * Starts reading from the current end of the topic; notes the records whose {@code ce_id} is
     * {@code idPrefix} followed by an engine sequence.
     */
    static AuditReader start(String idPrefix, Arrivals arrivals) {
        AuditReader reader = new AuditReader(idPrefix, arrivals);
        reader.thread.start();
        return reader;
    }

    private void read() {
        try {
            while (reading) {
                var records = consumer.poll(POLL);
                long now = System.nanoTime();
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    Header id = record.headers().lastHeader("ce_id");
                    if (id == null) {
                        continue;
                    }
                    String value = new String(id.value(), StandardCharsets.UTF_8);
                    if (value.startsWith(idPrefix)) {
                        arrivals.arrived(Long.parseLong(value.substring(idPrefix.length())), now);
                    }
                }
            }
        } catch (WakeupException stopping) {
            // close() woke the consumer up to end the loop.
        } finally {
            consumer.close();
        }
    }

    @Override
    public void close() {
        reading = false;
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
