package dev.provisioner.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/** A real Kafka broker (KRaft, in the test JVM) for the service under test. */
public final class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {

    /** Several partitions, so that per-stack order is tested where it can break. */
    static final int PARTITIONS = 4;

    private static volatile String bootstrapServers;
    private EmbeddedKafkaBroker broker;

    /** Where the broker of the running tests listens. */
    public static String bootstrapServers() {
        return bootstrapServers;
    }

    /** A client of the running broker; close it after use. */
    public static KafkaCompanion companion() {
        return new KafkaCompanion(bootstrapServers);
    }

    @Override
    public Map<String, String> start() {
        broker = new EmbeddedKafkaBroker()
                .withDeleteLogDirsOnClose(true)
                .withAdditionalProperties(p -> p.put("num.partitions", Integer.toString(PARTITIONS)))
                .start();
        bootstrapServers = broker.getAdvertisedListeners().replace("PLAINTEXT://", "");
        try (KafkaCompanion companion = companion()) {
            companion
                    .topics()
                    .create(Topics.ALL.stream()
                            .map(topic -> new NewTopic(topic, PARTITIONS, (short) 1).configs(configOf(topic)))
                            .toList());
            Topics.ALL.forEach(
                    topic -> companion.topics().waitForTopic(topic).await().atMost(Duration.ofSeconds(30)));
        }
        return Map.of("kafka.bootstrap.servers", bootstrapServers);
    }

    /**
     * The requests topic takes records far larger than the service accepts, so that tests can send them;
     * the others keep the broker's default limit of about 1 MiB, as in production.
     */
    private static Map<String, String> configOf(String topic) {
        return topic.equals(Topics.REQUESTS)
                ? Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(Topics.MAX_RECORD_BYTES))
                : Map.of();
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.close();
        }
    }
}
