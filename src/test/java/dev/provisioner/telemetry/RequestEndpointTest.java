package dev.provisioner.telemetry;

import static dev.provisioner.support.Requests.awaitCompletion;
import static dev.provisioner.support.Requests.request;
import static dev.provisioner.support.Requests.send;
import static dev.provisioner.support.Requests.withOtel;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.support.OtlpReceiver;
import dev.provisioner.support.OtlpReceiverResource;
import dev.provisioner.support.RealParts;
import dev.provisioner.support.Schemas;
import dev.provisioner.support.Topics;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * A request may send its run's log records to an OTLP endpoint of its own, when that endpoint is in
 * {@code provisioner.otel.allowed-endpoints}; any other endpoint gets the request rejected, before the
 * token could travel there.
 */
@QuarkusTest
@RealParts
class RequestEndpointTest {

    @Test
    void anAllowedEndpointGetsTheRunsRecordsInsteadOfTheServicesEndpoint() {
        OtlpReceiver tenant = OtlpReceiverResource.tenantReceiver();
        var up = withOtel(request("up", "endpoints", "allowed", StashDemoProgram.NAME), "APP4", "token-allowed");
        // The allowlist holds the URL without the slash: the two name the same endpoint.
        up.with("otel").put("endpoint", tenant.baseUrl() + "/");
        Schemas.assertValid(Schemas.REQUEST, up);

        String id = send(up);
        JsonNode done = awaitCompletion(id);

        assertThat(done.get("status").asText()).isEqualTo("succeeded");
        long total = done.at("/events/total").asLong();
        assertThat(total).isPositive();
        assertThat(done.at("/events/otelEnabled").asBoolean()).isTrue();
        assertThat(done.at("/events/otelExported").asLong()).isEqualTo(total);
        assertThat(done.at("/events/otelDropped").asLong()).isZero();
        assertThat(tenant.recordsOf(id)).hasSize((int) total);
        assertThat(tenant.exports())
                .filteredOn(e -> e.request().toString().contains(id))
                .isNotEmpty()
                .allSatisfy(e -> assertThat(e.header("Authorization")).isEqualTo("Bearer token-allowed"));
        assertThat(OtlpReceiverResource.receiver().recordsOf(id))
                .as("the service's own endpoint")
                .isEmpty();
    }

    @Test
    void anyOtherEndpointIsRejectedWithTheReason() {
        String[][] cases = {
            {"not-allowed", "http://127.0.0.1:9/", "'http://127.0.0.1:9/' is not an allowed endpoint"},
            {"not-http", "file:///etc/passwd", "must be an http or https base URL"},
            {"user-info", "http://user:secret@127.0.0.1:4318", "must be an http or https base URL"},
            {"query", OtlpReceiverResource.tenantReceiver().baseUrl() + "?x=1", "must be an http or https base URL"},
        };
        for (String[] c : cases) {
            ObjectNode bad = withOtel(request("up", "endpoints", c[0], StashDemoProgram.NAME), "APP4", "token-bad");
            bad.with("otel").put("endpoint", c[1]);

            JsonNode done = awaitCompletion(send(bad));

            assertThat(done.get("status").asText()).as(c[0]).isEqualTo("rejected");
            assertThat(done.at("/error/message").asText()).as(c[0]).contains("otel.endpoint", c[2]);
            assertThat(done.at("/error/message").asText()).as(c[0]).doesNotContain("secret");
            assertThat(Topics.read(Topics.DLQ))
                    .filteredOn(r -> ("endpoints/" + c[0]).equals(r.key()))
                    .singleElement()
                    .satisfies(r ->
                            assertThat(Topics.header(r, "dead-letter-reason")).contains(c[2]));
        }
    }
}
