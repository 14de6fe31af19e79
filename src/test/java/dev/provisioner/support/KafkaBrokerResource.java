package dev.provisioner.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.network.SocketServerConfigs;
import org.apache.kafka.server.config.ServerLogConfigs;

/**
 * A real Kafka broker (KRaft, in the test JVM) for the service under test. The service's audit producer
 * reaches it through a {@link TcpLink} of its own (a listener advertised at the link's port), which a test
 * can cut to make the audit topic unavailable while everything else works. With the init argument
 * {@link #RESTARTABLE} the broker can be stopped and started again mid-test, as a broker that restarts:
 * same ports, same node and cluster, same log directory.
 */
public final class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {

    /** Init argument: {@code "true"} lets tests {@link #stopBroker()} and {@link #startBrokerAgain()}. */
    public static final String RESTARTABLE = "restartable";

    /** Several partitions, so that per-stack order is tested where it can break. */
    static final int PARTITIONS = 4;

    private static volatile String bootstrapServers;
    private static volatile KafkaBrokerResource restartable;

    private static volatile TcpLink auditLink;

    private boolean canRestart;
    private int kafkaPort;
    private int controllerPort;
    private int auditPort;
    private Path logDir;
    private final String clusterId = Uuid.randomUuid().toString();
    private volatile EmbeddedKafkaBroker broker;

    /** Where the broker of the running tests listens. */
    public static String bootstrapServers() {
        return bootstrapServers;
    }

    /** A client of the running broker; close it after use. */
    public static KafkaCompanion companion() {
        return new KafkaCompanion(bootstrapServers);
    }

    /** The audit producer's way to the broker. */
    public static TcpLink auditLink() {
        return auditLink;
    }

    /** Stops the running broker; its log stays for {@link #startBrokerAgain()}. */
    public static void stopBroker() {
        restartable().broker.close();
    }

    /** Starts the stopped broker again on the same ports and log directory. */
    public static void startBrokerAgain() {
        KafkaBrokerResource resource = restartable();
        resource.broker = resource.newBroker().start();
    }

    private static KafkaBrokerResource restartable() {
        if (restartable == null) {
            throw new IllegalStateException("the broker of these tests is not " + RESTARTABLE);
        }
        return restartable;
    }

    @Override
    public void init(Map<String, String> initArgs) {
        canRestart = Boolean.parseBoolean(initArgs.get(RESTARTABLE));
    }

    @Override
    public Map<String, String> start() {
        kafkaPort = freePort();
        controllerPort = freePort();
        auditPort = freePort();
        auditLink = TcpLink.start(0, auditPort);
        if (canRestart) {
            try {
                logDir = Files.createTempDirectory("provisioner-kafka-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            restartable = this;
        }
        broker = newBroker().start();
        bootstrapServers = "localhost:" + kafkaPort;
        createTopics();
        return Map.of(
                "kafka.bootstrap.servers",
                bootstrapServers,
                "mp.messaging.outgoing.audit.bootstrap.servers",
                "localhost:" + auditLink.port());
    }

    private static void createTopics() {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
                KafkaCompanion companion = companion()) {
            for (String topic : Topics.ALL) {
                try {
                    admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1).configs(configOf(topic))))
                            .all()
                            .get(1, TimeUnit.MINUTES);
                } catch (ExecutionException e) {
                    // The admin client asks again when an answer is slow; the first ask may have done it.
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create " + topic, e);
                    }
                } catch (InterruptedException | TimeoutException e) {
                    throw new IllegalStateException("cannot create " + topic, e);
                }
                companion.topics().waitForTopic(topic).await().atMost(Duration.ofMinutes(1));
            }
        }
    }

    private EmbeddedKafkaBroker newBroker() {
        return new EmbeddedKafkaBroker()
                .withDeleteLogDirsOnClose(!canRestart)
                .withKafkaPort(kafkaPort)
                .withControllerPort(controllerPort)
                .withClusterId(clusterId)
                .withAdditionalProperties(p -> {
                    p.put("num.partitions", Integer.toString(PARTITIONS));
                    // Clients of the AUDIT listener are told to connect at the link, and so stay behind it.
                    p.put(
                            SocketServerConfigs.LISTENERS_CONFIG,
                            "PLAINTEXT://localhost:" + kafkaPort + ",CONTROLLER://localhost:" + controllerPort
                                    + ",AUDIT://localhost:" + auditPort);
                    p.put(
                            SocketServerConfigs.ADVERTISED_LISTENERS_CONFIG,
                            "PLAINTEXT://localhost:" + kafkaPort + ",AUDIT://localhost:" + auditLink.port());
                    p.put(
                            SocketServerConfigs.LISTENER_SECURITY_PROTOCOL_MAP_CONFIG,
                            "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,AUDIT:PLAINTEXT");
                    if (canRestart) {
                        p.put(ServerLogConfigs.LOG_DIR_CONFIG, logDir.toString());
                    }
                });
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
        Topics.closeReaders("localhost:" + kafkaPort);
        if (broker != null) {
            broker.close();
        }
        if (auditLink != null) {
            auditLink.close();
        }
        if (canRestart) {
            restartable = null;
            try (Stream<Path> paths = Files.walk(logDir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // A temp directory left behind is harmless.
            }
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
