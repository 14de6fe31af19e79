package dev.provisioner.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.provisioner.contract.Operation;
import dev.provisioner.contract.ProvisioningRequest;
import dev.provisioner.event.EngineEvent;
import dev.provisioner.event.EngineEvents;
import dev.provisioner.event.RecordedStreams;
import dev.provisioner.event.RunSinks;
import dev.provisioner.support.OtlpReceiver;
import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Multi;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A run's log records against a real OTLP endpoint, with a queue far smaller than the run: a slow endpoint
 * makes the run wait for room and loses no record; an unreachable or stalled one holds the run for no more
 * than {@code export-timeout} plus {@code flush-timeout}, and every record is counted as dropped.
 */
class RunLogsTest {

    static final int QUEUE = 16;
    static final int EVENTS = 200;
    static final Duration EXPORT_TIMEOUT = Duration.ofSeconds(1);
    static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(2);
    /** What the run may take besides waiting, on a busy machine. */
    static final Duration RUN_ITSELF = Duration.ofSeconds(3);

    private static final List<EngineEvent> RUN = events();

    @Test
    void aRunFasterThanItsEndpointWaitsForRoomAndDropsNothing() {
        try (OtlpReceiver slow = OtlpReceiver.stalling(Duration.ofMillis(20))) {
            RunLogs logs = sink(slow.baseUrl()).open(request("slow"), Context.root());

            RunSinks.feed(Multi.createFrom().iterable(RUN), List.of(logs))
                    .await()
                    .atMost(Duration.ofMinutes(1));
            RunLogs.Counts counts = logs.finish();

            assertThat(counts).isEqualTo(new RunLogs.Counts(EVENTS, 0));
            assertThat(slow.recordsOf("slow")).hasSize(EVENTS);
        }
    }

    @Test
    void anUnreachableEndpointHoldsARunNoLongerThanTheExportAndFlushTimeouts() {
        assertEverythingDroppedInTime(OtlpReceiver.unreachableBaseUrl());
    }

    @Test
    void aStalledEndpointHoldsARunNoLongerThanTheExportAndFlushTimeouts() {
        try (OtlpReceiver stalled = OtlpReceiver.stalling(Duration.ofMinutes(5))) {
            assertEverythingDroppedInTime(stalled.baseUrl());
        }
    }

    private void assertEverythingDroppedInTime(String endpoint) {
        RunLogs logs = sink(endpoint).open(request("gone"), Context.root());

        long start = System.nanoTime();
        RunSinks.feed(Multi.createFrom().iterable(RUN), List.of(logs)).await().atMost(Duration.ofMinutes(1));
        RunLogs.Counts counts = logs.finish();
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(counts).isEqualTo(new RunLogs.Counts(0, EVENTS));
        assertThat(took).isLessThan(EXPORT_TIMEOUT.plus(FLUSH_TIMEOUT).plus(RUN_ITSELF));
    }

    /** {@value #EVENTS} events: the recorded update, again and again, numbered on. */
    private static List<EngineEvent> events() {
        ObjectMapper mapper = new ObjectMapper();
        EngineEvents parser = new EngineEvents(mapper);
        List<String> lines = RecordedStreams.lines("up-update");
        return IntStream.range(0, EVENTS)
                .mapToObj(i -> {
                    var json = parser.parse(lines.get(i % lines.size())).json().deepCopy();
                    json.put("sequence", i);
                    return EngineEvents.of(json);
                })
                .toList();
    }

    private static ProvisioningRequest request(String requestId) {
        return new ProvisioningRequest(
                requestId,
                Operation.UP,
                "logs",
                "dev",
                "stash-demo",
                Map.of(),
                Map.of(),
                "alice@example.com",
                new ProvisioningRequest.OtelTarget("APP", "token", null, null, null),
                null,
                null);
    }

    private static OtelLogSink sink(String endpoint) {
        return new OtelLogSink(new Config(endpoint), Clock.systemUTC(), "provisioner", "test");
    }

    /** The service's defaults, but a small queue and short timeouts. */
    private record Config(String url) implements OtelConfig {
        @Override
        public Optional<String> endpoint() {
            return Optional.of(url);
        }

        @Override
        public Optional<List<String>> allowedEndpoints() {
            return Optional.empty();
        }

        @Override
        public AuthMode authMode() {
            return AuthMode.BOTH;
        }

        @Override
        public String compression() {
            return "gzip";
        }

        @Override
        public Duration exportTimeout() {
            return EXPORT_TIMEOUT;
        }

        @Override
        public Duration scheduleDelay() {
            return Duration.ofMillis(100);
        }

        @Override
        public int maxQueueSize() {
            return QUEUE;
        }

        @Override
        public int maxExportBatchSize() {
            return QUEUE / 2;
        }

        @Override
        public Duration flushTimeout() {
            return FLUSH_TIMEOUT;
        }
    }
}
