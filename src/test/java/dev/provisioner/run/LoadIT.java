package dev.provisioner.run;

import static dev.provisioner.support.Requests.request;
import static dev.provisioner.support.Requests.send;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.support.PackagedService;
import dev.provisioner.support.Replicas;
import dev.provisioner.support.Requests;
import dev.provisioner.support.ServiceProcess;
import dev.provisioner.support.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * 200 requests over 20 stacks through the packaged service, the real broker and the real CLI: every
 * request gets exactly one completion, each stack's requests run in order, no audit record is lost or
 * written twice, and the service's resident memory stays bounded. Prints throughput and the CPU the
 * service spends per run next to the CLI's ({@code BENCH} lines). {@code ./mvnw verify -Pload}.
 */
@Tag("load")
class LoadIT {

    private static final int STACKS = 20;
    private static final int PER_STACK = 10;
    private static final String HEAP = "-Xmx384m";
    /** Bounds the resident memory of a JVM capped at 384 MiB of heap, with metaspace, threads and buffers. */
    private static final long MAX_RSS_KIB = 1_200_000;
    /** Clock ticks per second of /proc/<pid>/stat (USER_HZ), 100 on Linux. */
    private static final double TICKS = 100.0;

    private PackagedService service;

    @BeforeEach
    void open() {
        service = PackagedService.open("load");
    }

    @AfterEach
    void close() {
        service.close();
    }

    @Test
    void twoHundredRequestsOverTwentyStacks() throws Exception {
        ServiceProcess process = service.start(List.of(HEAP), Map.of("quarkus.log.level", "WARN"));
        AtomicLong maxRss = new AtomicLong();
        List<Long> rssSamples = new ArrayList<>();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(
                () -> {
                    long rss = rssKib(process.pid());
                    maxRss.accumulateAndGet(rss, Math::max);
                    synchronized (rssSamples) {
                        rssSamples.add(rss);
                    }
                },
                0,
                1,
                TimeUnit.SECONDS);

        Map<String, List<String>> byStack = new LinkedHashMap<>();
        Instant start = Instant.now();
        for (int round = 0; round < PER_STACK; round++) {
            for (int s = 0; s < STACKS; s++) {
                var up = request("up", "load", "stack-" + s, StashDemoProgram.NAME);
                up.with("config").put("count", "1").put("value", "v" + round);
                byStack.computeIfAbsent("stack-" + s, k -> new ArrayList<>()).add(send(up));
            }
        }
        Set<String> ids = new HashSet<>();
        byStack.values().forEach(ids::addAll);
        Awaitility.await()
                .atMost(Duration.ofMinutes(30))
                .pollInterval(Duration.ofSeconds(2))
                .until(() -> completedIds(Topics.read(Topics.COMPLETIONS)).containsAll(ids));
        Duration elapsed = Duration.between(start, Instant.now());
        long[] cpu = cpuTicks(process.pid());
        sampler.shutdownNow();

        List<ConsumerRecord<String, String>> completions = Topics.read(Topics.COMPLETIONS);
        for (String id : ids) {
            assertThat(Requests.completions(completions, id))
                    .as("completions of %s", id)
                    .hasSize(1);
        }
        Map<String, JsonNode> done = new LinkedHashMap<>();
        completions.forEach(r -> done.put(Topics.header(r, "provisioner-request-id"), Requests.parse(r.value())));
        assertThat(done.values())
                .allSatisfy(c -> assertThat(c.get("status").asText()).isEqualTo("succeeded"));
        byStack.forEach((stack, order) -> {
            for (int i = 1; i < order.size(); i++) {
                Instant previousEnd = Instant.parse(
                        done.get(order.get(i - 1)).get("finishedAt").asText());
                Instant start1 =
                        Instant.parse(done.get(order.get(i)).get("startedAt").asText());
                assertThat(start1)
                        .as("%s: request %d starts after %d ended", stack, i, i - 1)
                        .isAfterOrEqualTo(previousEnd);
            }
        });
        assertAuditTrails(done);
        List<Long> samples;
        synchronized (rssSamples) {
            samples = List.copyOf(rssSamples);
        }
        assertThat(maxRss.get()).as("resident memory, KiB").isLessThan(MAX_RSS_KIB);

        double minutes = elapsed.toMillis() / 60_000.0;
        long runs = ids.size();
        System.out.printf(
                "BENCH load: %d runs over %d stacks in %.1f s: %.1f runs/min%n",
                runs, STACKS, elapsed.toMillis() / 1000.0, runs / minutes);
        System.out.printf(
                "BENCH load: CPU per run: service %.2f s (JVM, inline programs included), CLI %.2f s (pulumi processes);"
                        + " service/CLI = %.2f%n",
                cpu[0] / TICKS / runs, cpu[1] / TICKS / runs, (double) cpu[0] / cpu[1]);
        System.out.printf(
                "BENCH load: service RSS max %d MiB; first quarter max %d MiB, last quarter max %d MiB (%s)%n",
                maxRss.get() / 1024, quarterMax(samples, 0) / 1024, quarterMax(samples, 3) / 1024, HEAP);
    }

    /**
     * What coordinating replicas costs: the same load (48 ups over 12 stacks) on one replica, then on two on
     * one backend, in one run. Prints runs/min of each ({@code BENCH scale}); asserts only one completion each.
     */
    @Test
    void oneReplicaAgainstTwoOnTheSameLoad() {
        // Logging as usual: the replicas' harness reads the port from the "Listening on" line.
        Map<String, String> quiet = Map.of();
        List<Replicas.Replica> one = List.of(Replicas.start(service, quiet));
        double alone = runsPerMinute("one");
        one.forEach(replica -> replica.process().terminate(Duration.ofMinutes(3)));
        Replicas.start(service, quiet);
        Replicas.start(service, quiet);
        double two = runsPerMinute("two");
        System.out.printf(
                "BENCH scale: %d ups over %d stacks: 1 replica %.1f runs/min, 2 replicas %.1f runs/min (x%.2f), %d cpus%n",
                SCALE_STACKS * SCALE_PER_STACK,
                SCALE_STACKS,
                alone,
                two,
                two / alone,
                Runtime.getRuntime().availableProcessors());
    }

    private static final int SCALE_STACKS = 12;
    private static final int SCALE_PER_STACK = 4;

    /** Sends the scale load to stacks of {@code project} and waits for every completion: runs per minute. */
    private static double runsPerMinute(String project) {
        Set<String> ids = new HashSet<>();
        Instant start = Instant.now();
        for (int round = 0; round < SCALE_PER_STACK; round++) {
            for (int s = 0; s < SCALE_STACKS; s++) {
                var up = request("up", project, "stack-" + s, StashDemoProgram.NAME);
                up.with("config").put("count", "1").put("value", "v" + round);
                ids.add(send(up));
            }
        }
        Awaitility.await()
                .atMost(Duration.ofMinutes(15))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> completedIds(Topics.read(Topics.COMPLETIONS)).containsAll(ids));
        Duration elapsed = Duration.between(start, Instant.now());
        List<ConsumerRecord<String, String>> completions = Topics.read(Topics.COMPLETIONS);
        ids.forEach(id -> assertThat(Requests.completions(completions, id))
                .as("completions of %s", id)
                .hasSize(1));
        return ids.size() / (elapsed.toMillis() / 60_000.0);
    }

    /** Every engine event of every run is on the audit topic exactly once, between its lifecycle records. */
    private static void assertAuditTrails(Map<String, JsonNode> done) {
        Map<String, List<ConsumerRecord<String, String>>> byRequest = new LinkedHashMap<>();
        Set<String> ceIds = new HashSet<>();
        for (ConsumerRecord<String, String> r : Topics.read(Topics.AUDIT)) {
            String ceId = Topics.header(r, "ce_id");
            assertThat(ceIds.add(ceId)).as("ce_id %s written once", ceId).isTrue();
            byRequest
                    .computeIfAbsent(ceId.substring(0, ceId.indexOf(':')), k -> new ArrayList<>())
                    .add(r);
        }
        done.forEach((id, completion) -> {
            long total = completion.at("/events/total").asLong();
            List<Long> sequences = byRequest.get(id).stream()
                    .map(r -> Requests.parse(r.value()).at("/event/sequence"))
                    .filter(JsonNode::isNumber)
                    .map(JsonNode::asLong)
                    .toList();
            assertThat(sequences)
                    .as("engine events of %s", id)
                    .isEqualTo(LongStream.range(0, total).boxed().toList());
            assertThat(byRequest.get(id)).hasSize((int) total + 3);
        });
    }

    private static Set<String> completedIds(List<ConsumerRecord<String, String>> completions) {
        Set<String> ids = new HashSet<>();
        completions.forEach(r -> ids.add(Topics.header(r, "provisioner-request-id")));
        return ids;
    }

    /** {utime + stime, cutime + cstime} of a process, in clock ticks: its own CPU and its waited-for children's. */
    private static long[] cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // Fields after the command: state is f[0], so utime (field 14) is f[11].
        return new long[] {Long.parseLong(f[11]) + Long.parseLong(f[12]), Long.parseLong(f[13]) + Long.parseLong(f[14])
        };
    }

    private static long rssKib(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                    .filter(line -> line.startsWith("VmRSS:"))
                    .map(line -> Long.parseLong(line.replaceAll("\\D", "")))
                    .findFirst()
                    .orElse(0L);
        } catch (IOException e) {
            return 0;
        }
    }

    private static long quarterMax(List<Long> samples, int quarter) {
        int n = samples.size();
        return samples.subList(quarter * n / 4, Math.max(quarter * n / 4 + 1, (quarter + 1) * n / 4)).stream()
                .mapToLong(Long::longValue)
                .max()
                .orElse(0);
    }
}
