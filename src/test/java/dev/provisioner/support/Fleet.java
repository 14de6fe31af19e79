package dev.provisioner.support;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.awaitility.Awaitility;

/**
 * Replicas of the packaged service as a Deployment runs them: each in a UTS namespace of its own with its own
 * hostname (the CLI writes it into its locks, the leases name it), its own work dir (a pod's {@code emptyDir}),
 * one consumer group, and one shared state backend, a real PostgreSQL ({@code postgres://}). A Kafka broker and
 * an OTLP endpoint in the test JVM. Giving a process a hostname takes {@code unshare -u}, so root. Close it in
 * {@code @AfterEach}: every replica is killed, the broker and the database stopped.
 */
public final class Fleet implements AutoCloseable {

    /** The consumer group of the intake. */
    public static final String GROUP = "provisioner";

    private final String name;
    private final KafkaBrokerResource broker = new KafkaBrokerResource();
    private final OtlpReceiver otlp;
    private final SharedBackend backend;
    private final Path root;
    private final List<Replica> replicas = new ArrayList<>();

    /** A replica: its process, its hostname, its work dir. */
    public record Replica(String hostname, ServiceProcess process, Path workDir) {

        /** The {@code pulumi} processes it runs now (the watchdogs that run them are not counted). */
        public List<ProcessHandle> clis() {
            return process.children().stream()
                    .filter(p -> p.info().command().orElse("").endsWith("/pulumi"))
                    .toList();
        }

        /** SIGSTOP to the JVM alone: its CLI and the CLI's watchdog go on. */
        public void freezeJvm() {
            signal("STOP", List.of(process.pid()));
        }

        /** SIGSTOP to the JVM and every process it runs, as a frozen node or a paused container would be. */
        public List<Long> freezeAll() {
            List<Long> pids = new ArrayList<>();
            pids.add(process.pid());
            process.children().forEach(p -> pids.add(p.pid()));
            signal("STOP", pids);
            return pids;
        }

        /** SIGCONT to the JVM (and to {@code others}). */
        public void thaw(List<Long> others) {
            List<Long> pids = new ArrayList<>(others);
            pids.add(process.pid());
            signal("CONT", pids);
        }

        /** The HTTP port it listens on, from its console ("Listening on: http://0.0.0.0:<port>"). */
        public int httpPort() {
            var listening = java.util.regex.Pattern.compile("Listening on: http://[^:]+:(\\d+)")
                    .matcher(process.log());
            if (!listening.find()) {
                throw new IllegalStateException(hostname + " is not listening yet");
            }
            return Integer.parseInt(listening.group(1));
        }

        @Override
        public String toString() {
            return hostname + " (pid " + process.pid() + ")";
        }
    }

    private Fleet(String name, java.util.function.Supplier<SharedBackend> backend) {
        this.name = name;
        broker.start();
        otlp = OtlpReceiver.start(0, export -> {});
        this.backend = backend.get();
        try {
            root = Files.createTempDirectory("provisioner-fleet-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the broker, the OTLP endpoint and the database; {@code name} names the replicas' log files. */
    public static Fleet open(String name) {
        return open(name, PostgresServer::start);
    }

    /** As {@link #open(String)}, on another shared backend, e.g. {@link S3Gateway#start}. */
    public static Fleet open(String name, java.util.function.Supplier<SharedBackend> backend) {
        return new Fleet(name, backend);
    }

    /**
     * Starts a replica named {@code hostname} with {@code properties} over those that point it at the real parts;
     * its console goes to {@code target/it-logs/<name>-<hostname>-<n>.log}.
     */
    public Replica start(String hostname, Map<String, String> properties) {
        Path workDir = root.resolve(hostname + "-" + (replicas.size() + 1));
        Map<String, String> all = new HashMap<>();
        all.put("kafka.bootstrap.servers", KafkaBrokerResource.bootstrapServers());
        all.put("provisioner.engine.cli", PulumiCliResource.binary());
        all.put("provisioner.engine.work-dir", workDir.toString());
        all.put("provisioner.engine.backend-url", backend.backendUrl());
        all.put("provisioner.engine.passphrase", PackagedService.PASSPHRASE);
        all.put("provisioner.otel.endpoint", otlp.baseUrl());
        all.put("quarkus.http.port", "0");
        all.put(
                "provisioner.audit.signing.key-file",
                Path.of("src/test/resources/audit-keys/k1.pem").toAbsolutePath().toString());
        all.put("provisioner.audit.signing.key-id", "k1");
        all.put("quarkus.otel.traces.sampler.arg", "0.0");
        all.putAll(properties);
        Path log = Path.of("target", "it-logs", name + "-" + hostname + "-" + (replicas.size() + 1) + ".log");
        // The hostname as a pod has it: the process's own, in a UTS namespace of its own.
        List<String> launcher = List.of("unshare", "-u", "sh", "-c", "hostname \"$0\" && exec \"$@\"", hostname);
        // The backend's credentials as a pod gets them (environment), exported by the launcher.
        List<String> withEnv = new ArrayList<>(List.of("env"));
        backend.environment().forEach((k, v) -> withEnv.add(k + "=" + v));
        List<String> launched = new ArrayList<>(launcher);
        launched.addAll(withEnv);
        var replica = new Replica(hostname, ServiceProcess.start(launched, List.of(), all, log), workDir);
        replicas.add(replica);
        return replica;
    }

    /** Starts the next replica, named {@code pod-a}, {@code pod-b}, … in the order they start, with no extra properties. */
    public Replica startNext() {
        return start("pod-" + (char) ('a' + replicas.size()), Map.of());
    }

    /** Waits until the intake's consumer group has {@code members} members in a stable state. */
    public void awaitGroup(int members) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerResource.bootstrapServers());
        try (Admin admin = Admin.create(props)) {
            Awaitility.await()
                    .atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(500))
                    // Until its first member joins, the group is not found.
                    .ignoreExceptions()
                    .until(() -> {
                        var group = admin.describeConsumerGroups(List.of(GROUP))
                                .all()
                                .get()
                                .get(GROUP);
                        return group.members().size() == members
                                && "stable".equalsIgnoreCase(String.valueOf(group.groupState()));
                    });
        }
    }

    /** The replica that runs a {@code pulumi up} now, once there is one. */
    public Replica awaitRunner(Duration atMost) {
        List<Replica> found = new ArrayList<>();
        Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(50)).until(() -> {
            for (Replica replica : replicas) {
                if (replica.process().isAlive()
                        && replica.clis().stream()
                                .anyMatch(p -> p.info()
                                        .arguments()
                                        .map(a -> a.length > 0 && a[0].equals("up"))
                                        .orElse(false))) {
                    found.add(replica);
                    return true;
                }
            }
            return false;
        });
        return found.get(0);
    }

    /** The locks of {@code project/stack} in the shared backend: one per update under way or left behind. */
    public List<String> lockKeys(String project, String stack) {
        return backend.locks(project, stack);
    }

    /** {@code pulumi stack export} of {@code project/stack} from the shared backend, as an operator would run it. */
    public JsonNode deployment(String project, String stack) {
        Path dir;
        try {
            dir = Files.createDirectories(root.resolve("operator"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> environment = new HashMap<>(backend.environment());
        environment.put("PULUMI_BACKEND_URL", backend.backendUrl());
        environment.put("PULUMI_CONFIG_PASSPHRASE", PackagedService.PASSPHRASE);
        return StackState.export("organization/" + project + "/" + stack, dir, dir.resolve("pulumi-home"), environment);
    }

    /** The names of the resources of {@code type} in the stack's state. */
    public List<String> resourceNames(String project, String stack, String type) {
        return StackState.resourceNames(deployment(project, stack), type);
    }

    public String backendUrl() {
        return backend.backendUrl();
    }

    public SharedBackend backend() {
        return backend;
    }

    /** The replicas still running. */
    public List<Replica> running() {
        return replicas.stream().filter(r -> r.process().isAlive()).toList();
    }

    public Optional<Replica> other(Replica than) {
        return replicas.stream().filter(r -> r != than && r.process().isAlive()).findFirst();
    }

    private static void signal(String signal, List<Long> pids) {
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        pids.forEach(pid -> command.add(Long.toString(pid)));
        try {
            Process kill = new ProcessBuilder(command).inheritIO().start();
            kill.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        replicas.forEach(replica -> {
            // A frozen process is killed all the same, but let it go on first so nothing is left stopped.
            signal("CONT", List.of(replica.process().pid()));
            replica.process().close();
        });
        otlp.close();
        broker.stop();
        backend.close();
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A temp directory left behind is harmless.
        }
    }
}
