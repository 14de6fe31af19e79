package dev.provisioner.run;

import static dev.provisioner.support.Requests.request;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.support.PackagedService;
import dev.provisioner.support.Replicas;
import dev.provisioner.support.Replicas.Replica;
import dev.provisioner.support.Requests;
import dev.provisioner.support.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A rolling restart of two packaged replicas while 40 requests over 8 stacks flow, as a Deployment rolls out
 * with {@code maxSurge: 1}: a new replica starts, then an old one gets SIGTERM, twice. Each request runs once
 * (one update in its stack's history, one {@code started} audit record) and gets one completion, not
 * redelivered; each stack's completions come in request order; no audit record is written twice.
 */
class RollingRestartIT {

    private static final String PROJECT = "rolling";
    private static final int STACKS = 8;
    private static final int PER_STACK = 5;
    /** The runs under way finish within the shutdown grace (60 s), and the JVM stops. */
    private static final Duration EXIT_TIMEOUT = Duration.ofMinutes(3);

    private PackagedService service;

    @AfterEach
    void close() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void aRollingRestartMovesNoRequestTwice() {
        service = PackagedService.open("rolling");
        List<Replica> old = List.of(Replicas.start(service, Map.of()), Replicas.start(service, Map.of()));

        Map<String, List<String>> byStack = new LinkedHashMap<>();
        for (int round = 0; round < PER_STACK; round++) {
            for (int s = 0; s < STACKS; s++) {
                // stash-demo, as LoadIT: slow-demo runs side by side in one JVM were seen to register each
                // other's resources ("Duplicate resource URN"), an inline-program matter of its own.
                var up = request("up", PROJECT, "stack-" + s, StashDemoProgram.NAME);
                up.with("config").put("count", "1").put("value", "v" + round);
                byStack.computeIfAbsent("stack-" + s, k -> new ArrayList<>()).add(Requests.send(up));
            }
        }
        Instant start = Instant.now();
        for (Replica leaving : old) {
            Replicas.start(service, Map.of());
            Instant stopping = Instant.now();
            leaving.process().terminate(EXIT_TIMEOUT);
            System.out.printf(
                    "ROLLING a replica stopped in %d ms, %d of %d requests done%n",
                    Duration.between(stopping, Instant.now()).toMillis(),
                    completed(Topics.read(Topics.COMPLETIONS)).size(),
                    STACKS * PER_STACK);
        }
        Set<String> ids = new HashSet<>();
        byStack.values().forEach(ids::addAll);
        Awaitility.await()
                .atMost(Duration.ofMinutes(10))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> completed(Topics.read(Topics.COMPLETIONS)).containsAll(ids));
        System.out.printf(
                "ROLLING %d requests done %d s after the rollout began%n",
                ids.size(), Duration.between(start, Instant.now()).toSeconds());

        List<ConsumerRecord<String, String>> completions = Topics.read(Topics.COMPLETIONS);
        for (String id : ids) {
            List<ConsumerRecord<String, String>> of = Requests.completions(completions, id);
            assertThat(of).as("completions of %s", id).hasSize(1);
            JsonNode completion = Requests.parse(of.get(0).value());
            assertThat(completion.get("status").asText())
                    .as("%s: %s", id, completion)
                    .isEqualTo("succeeded");
            assertThat(completion.get("redelivered").asBoolean())
                    .as("%s ran once: not redelivered", id)
                    .isFalse();
        }
        byStack.forEach((stack, order) -> assertThat(completions.stream()
                        .filter(r -> (PROJECT + "/" + stack).equals(r.key()))
                        .map(r -> Topics.header(r, "provisioner-request-id"))
                        .toList())
                .as("completions of %s in request order", stack)
                .isEqualTo(order));
        byStack.forEach((stack, order) -> assertThat(updates(stack))
                .as("the updates in the history of %s: one per request", stack)
                .containsExactlyInAnyOrderElementsOf(order));

        Set<String> ceIds = new HashSet<>();
        Map<String, Integer> started = new HashMap<>();
        for (ConsumerRecord<String, String> record : Topics.read(Topics.AUDIT)) {
            String ceId = Topics.header(record, "ce_id");
            assertThat(ceIds.add(ceId)).as("audit record %s written once", ceId).isTrue();
            if ("dev.provisioner.run.started".equals(Topics.header(record, "ce_type"))) {
                started.merge(ceId.substring(0, ceId.indexOf(':')), 1, Integer::sum);
            }
        }
        assertThat(started)
                .as("one engine run per request")
                .hasSize(ids.size())
                .allSatisfy((id, runs) -> assertThat(runs).as(id).isEqualTo(1));
    }

    private static Set<String> completed(List<ConsumerRecord<String, String>> completions) {
        Set<String> ids = new HashSet<>();
        completions.forEach(r -> ids.add(Topics.header(r, "provisioner-request-id")));
        return ids;
    }

    /** The request ids of the updates the backend's history holds for the stack, one per update. */
    private List<String> updates(String stack) {
        Path history = service.workDir().resolve("state").resolve(".pulumi").resolve("history");
        List<String> ids = new ArrayList<>();
        try (Stream<Path> files = Files.walk(history)) {
            for (Path file : files.filter(f -> f.getParent().endsWith(Path.of(PROJECT, stack))
                            && f.getFileName().toString().endsWith(".history.json"))
                    .toList()) {
                String message =
                        Requests.parse(Files.readString(file)).path("message").asText();
                ids.add(message.split(" ")[2]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ids;
    }
}
