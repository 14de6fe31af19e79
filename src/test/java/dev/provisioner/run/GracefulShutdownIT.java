package dev.provisioner.run;

import static dev.provisioner.support.Requests.awaitCompletion;
import static dev.provisioner.support.Requests.request;
import static dev.provisioner.support.Requests.send;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioner.demo.SlowDemoProgram;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.support.PackagedService;
import dev.provisioner.support.Requests;
import dev.provisioner.support.ServiceProcess;
import dev.provisioner.support.Topics;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM to the packaged service while a run is under way: the service stops taking requests, lets the run
 * finish within {@code provisioner.runs.shutdown-grace}, else cancels it and leaves its request to be
 * delivered again. Requests queued behind it are not lost.
 */
class GracefulShutdownIT {

    private static final String GROUP = "provisioner";
    private static final String PROJECT = "shutdown";
    /** Two signals and a kill after twice cancel-escalation, plus the JVM's own stop, fit in this. */
    private static final Duration EXIT_TIMEOUT = Duration.ofMinutes(2);

    private static final String STASH = "pulumi:index:Stash";
    /** How long the slow OTLP endpoint takes to answer an export: longer than SmallRye waits at shutdown. */
    private static final Duration SLOW_EXPORT = Duration.ofSeconds(12);

    private PackagedService service;

    @AfterEach
    void close() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void aRunThatFinishesWithinTheGracePublishesItsCompletionBeforeTheServiceExits() {
        // A slow OTLP endpoint: the run's completion waits for its log records to be exported, well after the
        // engine is done, and must still go out before the service stops its messaging. The shutdown grace
        // is what bounds that wait, not the worker pool's own timeout.
        service = PackagedService.open("shutdown-finishes", export -> pause(SLOW_EXPORT));
        ServiceProcess first = service.start(Map.of(
                "provisioner.runs.shutdown-grace", "90s",
                "smallrye.messaging.worker.provisioning-runs.shutdown-timeout", "1000",
                "provisioner.otel.export-timeout", "30s",
                "provisioner.otel.flush-timeout", "30s"));
        String running = send(Requests.withOtel(slow("finishes"), "IT", "it-token-graceful"));
        String queued = send(request("up", PROJECT, "finishes", StashDemoProgram.NAME));
        String elsewhere = send(request("up", PROJECT, "elsewhere", StashDemoProgram.NAME));
        Requests.awaitCreated(running, STASH);

        first.terminate(EXIT_TIMEOUT);

        JsonNode done = single(running);
        assertThat(done.get("status").asText()).as(first.logFile().toString()).isEqualTo("succeeded");
        assertThat(committed(running)).as("its record is committed").isTrue();

        service.start(Map.of());
        assertThat(awaitCompletion(queued).get("status").asText()).isEqualTo("succeeded");
        assertThat(awaitCompletion(elsewhere).get("status").asText()).isEqualTo("succeeded");
        assertThat(Requests.completions(Topics.read(Topics.COMPLETIONS), running))
                .as("the run that finished is not delivered again")
                .hasSize(1);
    }

    @Test
    void aRunCancelledAtShutdownIsDeliveredAgainAndCompletesOnce() {
        service = PackagedService.open("shutdown-cancelled");
        ServiceProcess first = service.start(Map.of(
                "provisioner.runs.shutdown-grace", "1s",
                "provisioner.engine.cancel-escalation", "2s"));
        String running = send(slow("cancelled"));
        String queued = send(request("up", PROJECT, "cancelled", StashDemoProgram.NAME));
        Requests.awaitCreated(running, STASH);

        first.terminate(EXIT_TIMEOUT);

        assertThat(Requests.completions(Topics.read(Topics.COMPLETIONS), running))
                .as("a run cancelled to shut down publishes nothing")
                .isEmpty();
        assertThat(committed(running)).as("its record is not committed").isFalse();

        ServiceProcess second = service.start(Map.of());
        JsonNode done = awaitCompletion(running);
        JsonNode after = awaitCompletion(queued);

        assertThat(done.get("status").asText()).as(second.logFile().toString()).isEqualTo("succeeded");
        assertThat(done.get("redelivered").asBoolean())
                .as("the cancelled update did not count: the request ran again")
                .isFalse();
        assertThat(after.get("status").asText()).isEqualTo("succeeded");
        assertThat(Requests.completions(Topics.read(Topics.COMPLETIONS), running))
                .as("one completion")
                .hasSize(1);
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ObjectNode slow(String stack) {
        var slow = request("up", PROJECT, stack, SlowDemoProgram.NAME);
        slow.with("config").put("count", "10").put("delayMs", "500");
        return slow;
    }

    /** The one completion of {@code id} on the topic now. */
    private static JsonNode single(String id) {
        var completions = Requests.completions(Topics.read(Topics.COMPLETIONS), id);
        assertThat(completions).as("completions of %s", id).hasSize(1);
        return Requests.parse(completions.get(0).value());
    }

    /** Whether the service's consumer group has committed past the record of request {@code id}. */
    private static boolean committed(String id) {
        ConsumerRecord<String, String> record = Requests.record(id);
        return Topics.committed(GROUP, new TopicPartition(record.topic(), record.partition())) > record.offset();
    }
}
