package dev.provisioner.support;

import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The service's topics on the test broker, read and written the way its users do, with plain clients. */
public final class Topics {

    public static final String REQUESTS = "provisioning.requests";
    public static final String COMPLETIONS = "provisioning.completions";
    public static final String AUDIT = "provisioning.audit";
    public static final String DLQ = "provisioning.requests.dlq";
    public static final String CANCELLATIONS = "provisioning.cancellations";
    /** The service's topics, as a broker for it must have them. */
    public static final List<String> ALL = List.of(REQUESTS, COMPLETIONS, AUDIT, DLQ, CANCELLATIONS);

    /**
     * The largest record the test producer sends, and the requests topic takes: hostile requests may be
     * far larger than the 1 MiB the service accepts.
     */
    static final int MAX_RECORD_BYTES = 16 * 1024 * 1024;

    /** {@code bootstrapServers topic} to its reader. */
    private static final Map<String, TopicReader> READERS = new ConcurrentHashMap<>();

    private Topics() {}

    /** Sends a request the way a producer in another team would, and waits for the broker's ack. */
    public static void send(String key, String payload) {
        send(REQUESTS, key, payload);
    }

    /** Sends a record to {@code topic} and waits for the broker's ack. */
    public static void send(String topic, String key, String payload) {
        send(topic, key, payload, new StringSerializer());
    }

    /** Sends a request whose value is any bytes at all, as a broken producer might; returns where it went. */
    public static RecordMetadata sendBytes(String key, byte[] payload) {
        return send(REQUESTS, key, payload, new ByteArraySerializer());
    }

    private static <V> RecordMetadata send(String topic, String key, V payload, Serializer<V> serializer) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerResource.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_RECORD_BYTES);
        try (var producer = new KafkaProducer<>(props, new StringSerializer(), serializer)) {
            return producer.send(new ProducerRecord<>(topic, key, payload)).get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to " + topic, e);
        }
    }

    /**
     * Every record of {@code topic} so far, partition by partition, each in offset order. One reader per
     * topic and broker goes on where it left off, so a test that awaits a record reads only what is new.
     */
    public static List<ConsumerRecord<String, String>> read(String topic) {
        String servers = KafkaBrokerResource.bootstrapServers();
        return READERS.computeIfAbsent(servers + " " + topic, k -> new TopicReader(servers, topic))
                .readToEnd();
    }

    /** Closes the readers of the broker at {@code bootstrapServers}, which is going; safe to call twice. */
    static void closeReaders(String bootstrapServers) {
        READERS.entrySet().removeIf(e -> {
            boolean ofTheBroker = e.getKey().startsWith(bootstrapServers + " ");
            if (ofTheBroker) {
                e.getValue().close();
            }
            return ofTheBroker;
        });
    }

    /** Waits until {@code topic} holds records that {@code enough} accepts, and returns them all. */
    public static List<ConsumerRecord<String, String>> awaitRecords(
            String topic, Duration atMost, Predicate<List<ConsumerRecord<String, String>>> enough) {
        List<List<ConsumerRecord<String, String>>> seen = new ArrayList<>(List.of(List.of()));
        await().atMost(atMost).pollInterval(Duration.ofMillis(250)).until(() -> {
            seen.set(0, read(topic));
            return enough.test(seen.get(0));
        });
        return seen.get(0);
    }

    /** The offset {@code group} has committed on {@code partition}: the next record it reads; -1 when none. */
    public static long committed(String group, TopicPartition partition) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerResource.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            OffsetAndMetadata committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get()
                    .get(partition);
            return committed == null ? -1 : committed.offset();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read the offsets of " + group, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The value of a record's header, or null. */
    public static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
