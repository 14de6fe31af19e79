package dev.provisioner.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import java.util.Map;

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
            for (String topic : Topics.ALL) {
                companion.topics().createAndWait(topic, PARTITIONS);
            }
        }
        return Map.of("kafka.bootstrap.servers", bootstrapServers);
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.close();
        }
    }
}
