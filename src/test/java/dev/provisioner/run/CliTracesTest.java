package dev.provisioner.run;

import static dev.provisioner.support.Requests.awaitCompletion;
import static dev.provisioner.support.Requests.request;
import static dev.provisioner.support.Requests.send;
import static dev.provisioner.support.Requests.withOtel;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.support.CliTracesResource;
import dev.provisioner.support.OtlpReceiverResource;
import dev.provisioner.support.RealParts;
import dev.provisioner.support.Requests;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The CLI's own spans join the run's trace: the service hands the run span's {@code traceparent} to the
 * CLI, which writes its spans (OTLP JSON) where {@code provisioner.engine.otel-traces} says: a file here
 * ({@link CliTracesResource}).
 */
@QuarkusTest
@RealParts
class CliTracesTest {

    /** The span the CLI starts for its command, the root of its own spans. */
    private static final String CLI_ROOT_SPAN = "pulumi";

    @Test
    void theCliSpansCarryTheRunSpansTraceId() throws IOException {
        var up = withOtel(request("up", "traces", "dev", StashDemoProgram.NAME), "APPT", "token-traces");
        String id = send(up);
        JsonNode done = awaitCompletion(id);
        assertThat(done.get("status").asText()).isEqualTo("succeeded");

        // The run span's context is on every log record of the run.
        LogRecord record = Awaitility.await()
                .atMost(Requests.RUN_TIMEOUT)
                .until(() -> OtlpReceiverResource.receiver().recordsOf(id), records -> !records.isEmpty())
                .get(0);
        String traceId = HexFormat.of().formatHex(record.getTraceId().toByteArray());
        String runSpanId = HexFormat.of().formatHex(record.getSpanId().toByteArray());

        List<JsonNode> spans = cliSpans(CliTracesResource.file());
        assertThat(spans)
                .as("the CLI's root span is a child of the run's span")
                .filteredOn(span -> span.get("name").asText().equals(CLI_ROOT_SPAN))
                .singleElement()
                .satisfies(root -> {
                    assertThat(root.get("traceId").asText()).isEqualTo(traceId);
                    assertThat(root.get("parentSpanId").asText()).isEqualTo(runSpanId);
                });
        assertThat(spans)
                .as("the CLI's span tree is in the run's trace")
                .filteredOn(span -> !span.path("parentSpanId").asText().isEmpty())
                .hasSizeGreaterThan(10)
                .allSatisfy(span -> assertThat(span.get("traceId").asText()).isEqualTo(traceId));
        // The Java program host calls the engine's log service without trace context: the CLI records each
        // such call as a trace of its own. Nothing else is outside the run's trace.
        assertThat(spans)
                .filteredOn(span -> span.path("parentSpanId").asText().isEmpty())
                .filteredOn(span -> !span.get("name").asText().equals(CLI_ROOT_SPAN))
                .extracting(span -> span.get("name").asText())
                .containsOnly("pulumirpc.Engine/Log");
    }

    /** Every span in the file: one OTLP JSON export request per line. */
    private static List<JsonNode> cliSpans(Path file) throws IOException {
        List<JsonNode> spans = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) {
                continue;
            }
            for (JsonNode resource : Requests.parse(line).path("resourceSpans")) {
                for (JsonNode scope : resource.path("scopeSpans")) {
                    scope.path("spans").forEach(spans::add);
                }
            }
        }
        return spans;
    }
}
