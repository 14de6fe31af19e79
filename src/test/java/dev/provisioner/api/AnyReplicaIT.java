package dev.provisioner.api;

import static dev.provisioner.support.Requests.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioner.demo.SlowDemoProgram;
import dev.provisioner.support.PackagedService;
import dev.provisioner.support.Replicas;
import dev.provisioner.support.Replicas.Replica;
import dev.provisioner.support.Requests;
import dev.provisioner.support.SseStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two packaged replicas: the one that does not run a request answers for it as the one that runs it does, while
 * it runs. Its status, its event stream live, a resume with {@code Last-Event-ID} on the other replica, and the
 * same events, ids and data on both once it ended.
 */
class AnyReplicaIT {

    /** Longer than any gap between two events of the slow run below. */
    private static final Duration EVENT_GAP = Duration.ofSeconds(60);

    private PackagedService service;

    @AfterEach
    void close() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void theReplicaThatDoesNotRunARequestAnswersForItWhileItRuns() {
        service = PackagedService.open("any-replica");
        Replica one = Replicas.start(service, Map.of());
        Replica two = Replicas.start(service, Map.of());
        ObjectNode slow = request("up", "any", "replica", SlowDemoProgram.NAME);
        slow.with("config").put("count", "6").put("delayMs", "1000");
        String id = Requests.send(slow);

        await().atMost(Requests.RUN_TIMEOUT).until(() -> one.runs(id) || two.runs(id));
        Replica runner = one.runs(id) ? one : two;
        Replica other = runner == one ? two : one;
        assertThat(other.runs(id)).as("one replica runs it").isFalse();
        // The other replica knows the request once its follower has read the request's first audit records.
        await().atMost(Requests.RUN_TIMEOUT)
                .until(() -> other.get("/provisions/" + id).statusCode() == 200);

        List<SseStream.Event> before = new ArrayList<>();
        try (SseStream stream = SseStream.open(other.events(id), Replicas.reader(), null)) {
            assertThat(stream.status()).isEqualTo(200);
            while (before.isEmpty() || !before.get(before.size() - 1).name().equals("resource.outputs")) {
                before.add(stream.next(EVENT_GAP).orElseThrow(() -> new AssertionError("stream ended early")));
            }
            assertThat(other.status(id))
                    .as("the first step's outputs came to the other replica while the run goes on")
                    .isEqualTo("running")
                    .isEqualTo(runner.status(id));
        }
        String lastSeen = before.get(before.size() - 1).id();
        List<SseStream.Event> after = SseStream.readAll(runner.events(id), Replicas.reader(), lastSeen, EVENT_GAP);

        assertThat(before.get(0).name()).isEqualTo("prelude");
        assertThat(before.get(0).id()).isEqualTo("0");
        SseStream.Event completion = after.get(after.size() - 1);
        assertThat(completion.name()).isEqualTo(ProvisionResource.COMPLETION_EVENT);
        assertThat(Requests.parse(completion.data()).get("status").asText()).isEqualTo("succeeded");
        List<SseStream.Event> engine = after.subList(0, after.size() - 1);
        assertThat(Long.parseLong(engine.get(0).id()))
                .as("resumed on the other replica right after the last event seen")
                .isEqualTo(Long.parseLong(lastSeen) + 1);
        List<SseStream.Event> seen = new ArrayList<>(before);
        seen.addAll(engine);
        assertThat(seen.size())
                .as("every event once")
                .isEqualTo(Requests.parse(completion.data()).at("/events/total").asInt());

        await().atMost(EVENT_GAP).until(() -> "succeeded".equals(other.status(id)));
        List<SseStream.Event> onRunner = replay(runner, id);
        List<SseStream.Event> onOther = replay(other, id);
        assertThat(onOther).as("the same stream on both replicas").isEqualTo(onRunner);
        assertThat(onRunner.subList(0, seen.size())).isEqualTo(seen);
        assertThat(withoutQueuedAt(other, id))
                .as("the same status on both replicas (each says when it took the request in)")
                .isEqualTo(withoutQueuedAt(runner, id));
    }

    private static JsonNode withoutQueuedAt(Replica replica, String id) {
        ObjectNode status =
                (ObjectNode) Requests.parse(replica.get("/provisions/" + id).body());
        status.remove("queuedAt");
        return status;
    }

    private static List<SseStream.Event> replay(Replica replica, String id) {
        List<SseStream.Event> all = SseStream.readAll(replica.events(id), Replicas.reader(), null, EVENT_GAP);
        return all;
    }
}
