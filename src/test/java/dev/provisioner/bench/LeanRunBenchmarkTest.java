package dev.provisioner.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.pulumi.automation.ConfigValue;
import com.pulumi.automation.LocalPulumiCommand;
import com.pulumi.automation.LocalWorkspace;
import com.pulumi.automation.LocalWorkspaceOptions;
import com.pulumi.automation.UpOptions;
import com.pulumi.automation.WorkspaceStack;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.engine.CliStarts;
import dev.provisioner.engine.Program;
import dev.provisioner.engine.ProgramCatalog;
import dev.provisioner.support.RealParts;
import dev.provisioner.support.Requests;
import dev.provisioner.support.Topics;
import dev.provisioner.support.YamlProgramsResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What a request costs around the engine, printed (lines starting with {@code BENCH}), never asserted: CLI
 * processes per request, the time from the {@code started} record to the engine's first event, and the
 * completion's time minus the engine's own summary duration; for {@code stash-demo} on new stacks, then again on
 * the same stacks, and for the YAML example {@code deploy/programs/stash-yaml}, put in the catalog directory.
 * In the same run, the same requests through the stock Automation API as a user would write them
 * ({@code createOrSelectStack}, {@code setAllConfig}, {@code up} with an {@code onEvent} callback), at the same
 * concurrency. The stock command runs {@code pulumi} from the PATH: {@code ./mvnw test -Plean-bench} puts the
 * pinned CLI there.
 */
@QuarkusTest
@RealParts
@TestProfile(LeanRunBenchmarkTest.Concurrency.class)
@Tag("lean-bench")
class LeanRunBenchmarkTest {

    /** Runs at once, for the service and the hand-written loop alike. */
    static final int CONCURRENCY = 4;
    /** Stacks per round; each gets one request per round. */
    static final int STACKS = 8;

    static final Duration BOUND = Duration.ofMinutes(10);

    /** The YAML example shipped beside the Java programs. */
    static final Path YAML_EXAMPLE = Path.of("deploy", "programs", "stash-yaml");

    /** The service runs {@link #CONCURRENCY} requests at once, as the loop does. */
    public static final class Concurrency implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("provisioner.runs.max-concurrency", Integer.toString(CONCURRENCY));
        }
    }

    @Inject
    ProgramCatalog catalog;

    @Test
    void aLeanRunAgainstTheStockAutomationApi() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 6);
        print(
                "---- lean run benchmark: stash-demo and stash-yaml, %d stacks per round, concurrency %d, %d cpus ----",
                STACKS, CONCURRENCY, Runtime.getRuntime().availableProcessors());
        service("warm-up", "warm-" + run, StashDemoProgram.NAME, 2);
        stock("warm-up", "swarm-" + run, 2);

        // One request at a time: the latency of a request alone.
        service("alone, new", "one-" + run, StashDemoProgram.NAME, -3);
        stock("alone, new", "sone-" + run, -3);
        service("alone, same", "one-" + run, StashDemoProgram.NAME, -3);
        stock("alone, same", "sone-" + run, -3);

        // Taking turns, so that a neighbour's load falls on both.
        service("new stacks", "svc-" + run, StashDemoProgram.NAME, STACKS);
        stock("new stacks", "stock-" + run, STACKS);
        service("same stacks", "svc-" + run, StashDemoProgram.NAME, STACKS);
        stock("same stacks", "stock-" + run, STACKS);

        copyDirectory(YAML_EXAMPLE, YamlProgramsResource.catalog().resolve(YAML_EXAMPLE.getFileName()));
        String yaml = YAML_EXAMPLE.getFileName().toString();
        service("yaml alone, new", "yone-" + run, yaml, -3);
        service("yaml alone, same", "yone-" + run, yaml, -3);
        service("yaml new stacks", "yaml-" + run, yaml, STACKS);
        service("yaml same stacks", "yaml-" + run, yaml, STACKS);
    }

    /**
     * One round of {@code up}s through the service: every request sent at once, the intake runs them; a negative
     * count: that many, one at a time.
     */
    private void service(String round, String project, String program, int count) {
        int stacks = Math.abs(count);
        Map<String, List<String>> started = new TreeMap<>();
        AtomicLong processes = new AtomicLong();
        List<String> ids = new ArrayList<>();
        Instant begin;
        try (var listening = CliStarts.listen(args -> {
            processes.incrementAndGet();
            synchronized (started) {
                started.computeIfAbsent(verb(args), k -> new ArrayList<>()).add("");
            }
        })) {
            begin = Instant.now();
            for (int i = 0; i < stacks; i++) {
                ObjectNode up = Requests.request("up", project, "s" + i, program);
                if (program.equals(StashDemoProgram.NAME)) {
                    up.with("config").put("count", "3");
                    up.putObject("secretConfig").put("secret", "bench-secret-" + i);
                } else {
                    // The YAML example's only setting; its secret output comes from it.
                    up.with("config").put("greeting", "bench-" + i);
                }
                ids.add(Requests.send(up));
                if (count < 0) {
                    Requests.awaitCompletion(ids.get(i));
                }
            }
            ids.forEach(Requests::awaitCompletion);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Duration wall = Duration.between(begin, Instant.now());
        List<ConsumerRecord<String, String>> audit = Topics.read(Topics.AUDIT);
        List<Long> toFirstEvent = new ArrayList<>();
        List<Long> overhead = new ArrayList<>();
        List<Long> outsideEvents = new ArrayList<>();
        List<Long> perRequest = new ArrayList<>();
        for (String id : ids) {
            JsonNode done = Requests.awaitCompletion(id);
            if (!"succeeded".equals(done.get("status").asText())) {
                throw new IllegalStateException(id + " did not succeed: " + done);
            }
            List<ConsumerRecord<String, String>> trail = audit.stream()
                    .filter(r -> Topics.header(r, "ce_id").startsWith(id + ":"))
                    .toList();
            Instant accepted = time(trail, r -> type(r).equals("dev.provisioner.run.accepted"));
            Instant startedAt = time(trail, r -> type(r).equals("dev.provisioner.run.started"));
            Instant first = time(trail, r -> !type(r).startsWith("dev.provisioner.run."));
            List<ConsumerRecord<String, String>> events = trail.stream()
                    .filter(r -> !type(r).startsWith("dev.provisioner.run."))
                    .toList();
            Instant last = Instant.parse(Topics.header(events.get(events.size() - 1), "ce_time"));
            long summarySeconds = events.stream()
                    .map(r -> Requests.parse(r.value()).at("/event/summaryEvent/durationSeconds"))
                    .filter(JsonNode::isNumber)
                    .findFirst()
                    .orElseThrow()
                    .asLong();
            long completionMs = done.get("durationMs").asLong();
            toFirstEvent.add(Duration.between(startedAt, first).toMillis());
            overhead.add(completionMs - summarySeconds * 1000);
            outsideEvents.add(completionMs - Duration.between(first, last).toMillis());
            perRequest.add(Duration.between(
                            accepted, Instant.parse(done.get("finishedAt").asText()))
                    .toMillis());
        }
        String by = started.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue().size())
                .reduce((a, b) -> a + ", " + b)
                .orElse("");
        print(
                "service    %-16s %d up(s) in %6d ms = %5d ms/request wall; per request %s ms (accepted..completed)",
                round, ids.size(), wall.toMillis(), wall.toMillis() / ids.size(), stats(perRequest));
        print("service    %-16s CLI processes per request %.2f (%s)", round, processes.get() / (double) ids.size(), by);
        print(
                "service    %-16s started -> first engine event %s ms; completion - summary duration %s ms;"
                        + " completion - first..last event %s ms",
                round, stats(toFirstEvent), stats(overhead), stats(outsideEvents));
    }

    /**
     * The same round as a user writes it with the stock Automation API, {@link #CONCURRENCY} at a time; a negative
     * count: that many, one at a time.
     */
    private void stock(String round, String project, int count) throws Exception {
        int stacks = Math.abs(count);
        Program.Inline demo =
                (Program.Inline) catalog.find(StashDemoProgram.NAME).orElseThrow();
        Path root = Path.of("target", "lean-bench", project).toAbsolutePath();
        Files.createDirectories(root.resolve("state"));
        var pulumi = LocalPulumiCommand.create();
        ExecutorService pool = Executors.newFixedThreadPool(count < 0 ? 1 : CONCURRENCY);
        List<Long> toFirstEvent = new ArrayList<>();
        List<Long> overhead = new ArrayList<>();
        List<Long> perRequest = new ArrayList<>();
        Map<String, Integer> failedAfterRun = new ConcurrentHashMap<>();
        Instant begin = Instant.now();
        List<Future<long[]>> runs = new ArrayList<>();
        for (int i = 0; i < stacks; i++) {
            String stackName = "s" + i;
            int index = i;
            runs.add(pool.submit(() -> {
                long t0 = System.nanoTime();
                AtomicLong first = new AtomicLong();
                AtomicLong summarySeconds = new AtomicLong(-1);
                Path dir = root.resolve(stackName);
                Files.createDirectories(dir.resolve("work"));
                var options = LocalWorkspaceOptions.builder()
                        .workDir(dir.resolve("work"))
                        .pulumiHome(dir.resolve("home"))
                        .pulumiCommand(pulumi)
                        .environmentVariables(Map.of(
                                "PULUMI_CONFIG_PASSPHRASE", "bench-only",
                                "PULUMI_BACKEND_URL",
                                        root.resolve("state")
                                                .toAbsolutePath()
                                                .toUri()
                                                .toString(),
                                "PULUMI_SKIP_UPDATE_CHECK", "true"))
                        .build();
                try (WorkspaceStack stack =
                        LocalWorkspace.createOrSelectStack(project, stackName, demo.body(), options)) {
                    stack.setAllConfig(Map.of(
                            "count", new ConfigValue("3", false),
                            "secret", new ConfigValue("bench-secret-" + index, true)));
                    try {
                        stack.up(UpOptions.builder()
                                .color("never")
                                .onEvent(event -> {
                                    first.compareAndSet(0, System.nanoTime());
                                    if (event.summaryEvent() != null) {
                                        summarySeconds.set(event.summaryEvent().durationSeconds());
                                    }
                                })
                                .build());
                    } catch (Exception e) {
                        if (summarySeconds.get() < 0) {
                            throw e;
                        }
                        // The engine's run succeeded; the SDK then fails reading outputs that are not strings.
                        failedAfterRun.merge(e.getClass().getSimpleName(), 1, Integer::sum);
                    }
                }
                long end = System.nanoTime();
                return new long[] {t0, first.get(), end, summarySeconds.get()};
            }));
        }
        for (Future<long[]> f : runs) {
            long[] t = f.get(BOUND.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            toFirstEvent.add((t[1] - t[0]) / 1_000_000);
            perRequest.add((t[2] - t[0]) / 1_000_000);
            overhead.add((t[2] - t[0]) / 1_000_000 - t[3] * 1000);
        }
        Duration wall = Duration.between(begin, Instant.now());
        pool.shutdown();
        print(
                "stock      %-16s %d up(s) in %6d ms = %5d ms/request wall; per request %s ms (createOrSelectStack..up returned)",
                round, stacks, wall.toMillis(), wall.toMillis() / stacks, stats(perRequest));
        print(
                "stock      %-16s first call -> first engine event %s ms; end - summary duration %s ms%s",
                round,
                stats(toFirstEvent),
                stats(overhead),
                failedAfterRun.isEmpty() ? "" : "; up() threw after the engine's run: " + failedAfterRun);
    }

    private static String verb(List<String> args) {
        return args.get(0).equals("stack") || args.get(0).equals("config")
                ? args.get(0) + " " + args.get(1)
                : args.get(0);
    }

    private static String type(ConsumerRecord<String, String> r) {
        return Topics.header(r, "ce_type");
    }

    private static Instant time(
            List<ConsumerRecord<String, String>> trail,
            java.util.function.Predicate<ConsumerRecord<String, String>> which) {
        return trail.stream()
                .filter(which)
                .map(r -> Instant.parse(Topics.header(r, "ce_time")))
                .min(Comparator.naturalOrder())
                .orElseThrow();
    }

    /** Median, min and max. */
    private static String stats(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return String.format(
                Locale.ROOT,
                "median %5d (min %5d, max %5d)",
                sorted.get(sorted.size() / 2),
                sorted.get(0),
                sorted.get(sorted.size() - 1));
    }

    private static void print(String format, Object... args) {
        System.out.println("BENCH " + String.format(Locale.ROOT, format, args));
    }

    private static void copyDirectory(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
