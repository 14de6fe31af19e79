package dev.provisioner.local;

import dev.provisioner.support.Topics;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.jboss.logmanager.handlers.ConsoleHandler;

/**
 * The Kafka broker of a local run ({@code deploy/run-local.sh}): the tests' KRaft broker on
 * {@code localhost:9092}, with the service's topics. Its data stays in a directory (default
 * {@code target/local/kafka}) so that topics, records and consumer offsets outlive a restart, as the
 * stacks' state under {@code target/local} does. Runs until terminated; SIGTERM stops it cleanly.
 *
 * <p>Usage: {@code LocalKafka [data-dir]}.
 */
public final class LocalKafka {

    static final int PORT = 9092;
    static final int PARTITIONS = 4;
    static final String DEFAULT_DATA_DIR = "target/local/kafka";

    /** What the script waits for in the broker's log before it starts the service. */
    static final String READY = "LocalKafka ready";

    /** Fixed, so that a data directory formatted by an earlier run is started again, not refused. */
    private static final String CLUSTER_ID = "9a1RQ8PoQECUKrwewO_GUQ";

    private LocalKafka() {}

    public static void main(String[] args) throws InterruptedException {
        logToStdout();
        Path dataDir = Path.of(args.length > 0 ? args[0] : DEFAULT_DATA_DIR).toAbsolutePath();
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker()
                .withKafkaPort(PORT)
                .withClusterId(CLUSTER_ID)
                .withDeleteLogDirsOnClose(false)
                .withAdditionalProperties(p -> {
                    p.put("log.dir", dataDir.toString());
                    // Topics a client creates by accident get the same layout as the service's.
                    p.put("num.partitions", Integer.toString(PARTITIONS));
                });
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "local-kafka-shutdown"));
        broker.start();
        String bootstrap = broker.getAdvertisedListeners().replace("PLAINTEXT://", "");
        try (KafkaCompanion companion = new KafkaCompanion(bootstrap)) {
            Set<String> existing = companion.topics().list();
            for (String topic : Topics.ALL) {
                if (!existing.contains(topic)) {
                    companion.topics().createAndWait(topic, PARTITIONS);
                }
            }
        }
        System.out.printf("%s on %s, topics %s, data in %s%n", READY, bootstrap, Topics.ALL, dataDir);
        new CountDownLatch(1).await();
    }

    /**
     * The broker logs through SLF4J to JBoss LogManager (as in the tests), which prints nothing until it
     * has a handler; the script sends stdout to the broker's log file. Needs
     * {@code -Djava.util.logging.manager=org.jboss.logmanager.LogManager}.
     */
    private static void logToStdout() {
        var handler = new ConsoleHandler(
                ConsoleHandler.Target.SYSTEM_OUT, new PatternFormatter("%d{HH:mm:ss,SSS} %-5p [%c{3.}] %s%e%n"));
        handler.setLevel(Level.INFO);
        Logger root = Logger.getLogger("");
        root.setLevel(Level.INFO);
        root.addHandler(handler);
    }
}
