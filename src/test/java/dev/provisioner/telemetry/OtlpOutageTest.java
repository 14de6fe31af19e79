package dev.provisioner.telemetry;

import static dev.provisioner.support.Requests.awaitCompletion;
import static dev.provisioner.support.Requests.request;
import static dev.provisioner.support.Requests.send;
import static dev.provisioner.support.Requests.withOtel;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.support.OtlpReceiver;
import dev.provisioner.support.OtlpReceiverResource;
import dev.provisioner.support.RealParts;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * An OTLP endpoint that is down, or that takes requests and never answers, costs a run its log records,
 * counted as dropped, but neither its success nor more than {@code provisioner.otel.flush-timeout} of
 * its time.
 */
@QuarkusTest
@RealParts
class OtlpOutageTest {

    /** What the run may take besides waiting for its records, on a busy machine. */
    private static final Duration RUN_ITSELF = Duration.ofSeconds(30);

    @ConfigProperty(name = "provisioner.otel.flush-timeout")
    Duration flushTimeout;

    @Test
    void anUnreachableEndpointDropsTheRecordsAndTheRunSucceeds() {
        var up = withOtel(request("up", "otlp-outage", "unreachable", StashDemoProgram.NAME), "APP5", "t-unreachable");
        up.with("otel").put("endpoint", OtlpReceiverResource.unreachableEndpoint());

        JsonNode done = awaitCompletion(send(up));

        assertEverythingDropped(done);
    }

    @Test
    void aStalledEndpointHoldsTheRunNoLongerThanTheFlushTimeout() {
        OtlpReceiver stalling = OtlpReceiverResource.stallingReceiver();
        var up = withOtel(request("up", "otlp-outage", "stalled", StashDemoProgram.NAME), "APP5", "t-stalled");
        up.with("otel").put("endpoint", stalling.baseUrl());

        String id = send(up);
        JsonNode done = awaitCompletion(id);

        assertEverythingDropped(done);
        assertThat(stalling.recordsOf(id))
                .as("records the endpoint read, but never acknowledged")
                .isNotEmpty();
    }

    private void assertEverythingDropped(JsonNode done) {
        assertThat(done.get("status").asText()).isEqualTo("succeeded");
        assertThat(done.has("error")).isFalse();
        long total = done.at("/events/total").asLong();
        assertThat(total).isPositive();
        assertThat(done.at("/events/otelEnabled").asBoolean()).isTrue();
        assertThat(done.at("/events/otelExported").asLong()).isZero();
        assertThat(done.at("/events/otelDropped").asLong()).isEqualTo(total);
        assertThat(done.get("durationMs").asLong())
                .isLessThan(flushTimeout.plus(RUN_ITSELF).toMillis());
    }
}
