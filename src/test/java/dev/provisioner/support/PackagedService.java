package dev.provisioner.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The packaged service and the real parts it runs against, for integration tests that kill, stop and restart
 * it: a Kafka broker and an OTLP endpoint in the test JVM, the pinned Pulumi CLI, and one work dir (so one
 * {@code file://} backend) that every instance started here shares, as a pod's volume outlives its
 * containers. Each test opens its own and closes it in {@code @AfterEach}: every instance still running is
 * killed, the broker stopped.
 */
public final class PackagedService implements AutoCloseable {

    public static final String PASSPHRASE = "it-only-passphrase";

    private final String name;
    private final KafkaBrokerResource broker = new KafkaBrokerResource();
    private final OtlpReceiver otlp;
    private final Path workDir;
    private final List<ServiceProcess> instances = new ArrayList<>();

    private PackagedService(String name, Consumer<OtlpReceiver.Export> onExport) {
        this.name = name;
        broker.start();
        otlp = OtlpReceiver.start(0, onExport);
        try {
            workDir = Files.createTempDirectory("provisioner-it-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the broker and the OTLP endpoint; {@code name} names the instances' log files. */
    public static PackagedService open(String name) {
        return open(name, export -> {});
    }

    /** As {@link #open(String)}, with an OTLP endpoint that hands each export to {@code onExport} first. */
    public static PackagedService open(String name, Consumer<OtlpReceiver.Export> onExport) {
        return new PackagedService(name, onExport);
    }

    /**
     * Starts an instance of the service with the given properties on top of those that point it at the real
     * parts. Its console goes to {@code target/it-logs/<name>-<n>.log}.
     */
    public ServiceProcess start(Map<String, String> properties) {
        return start(List.of(), properties);
    }

    /** As {@link #start(Map)}, with JVM options such as {@code -Xmx256m}. */
    public ServiceProcess start(List<String> jvmOptions, Map<String, String> properties) {
        Map<String, String> all = new HashMap<>();
        all.put("kafka.bootstrap.servers", KafkaBrokerResource.bootstrapServers());
        all.put("provisioner.engine.cli", PulumiCliResource.binary());
        all.put("provisioner.engine.work-dir", workDir.toString());
        all.put("provisioner.engine.passphrase", PASSPHRASE);
        all.put("provisioner.otel.endpoint", otlp.baseUrl());
        all.put("quarkus.http.port", "0");
        // The test key, so that trails written across restarts verify with one public key.
        all.put(
                "provisioner.audit.signing.key-file",
                Path.of("src/test/resources/audit-keys/k1.pem").toAbsolutePath().toString());
        all.put("provisioner.audit.signing.key-id", "k1");
        all.put("quarkus.otel.traces.sampler.arg", "0.0");
        // An instance killed stays in the consumer group until its session times out (45 s by default):
        // the restarted one gets the partitions after this instead.
        all.put("mp.messaging.incoming.requests.session.timeout.ms", "6000");
        all.put("mp.messaging.incoming.requests.heartbeat.interval.ms", "1000");
        all.putAll(properties);
        Path log = Path.of("target", "it-logs", name + "-" + (instances.size() + 1) + ".log");
        ServiceProcess instance = ServiceProcess.start(jvmOptions, all, log);
        instances.add(instance);
        return instance;
    }

    public Path workDir() {
        return workDir;
    }

    public OtlpReceiver otlp() {
        return otlp;
    }

    /** The state of {@code project/stack} in the instances' backend. */
    public StackState stack(String project, String stack) {
        return new StackState(workDir, project, stack, PASSPHRASE);
    }

    @Override
    public void close() {
        instances.forEach(ServiceProcess::close);
        otlp.close();
        broker.stop();
        try (Stream<Path> paths = Files.walk(workDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A temp directory left behind is harmless.
        }
    }
}
