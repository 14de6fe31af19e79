package dev.provisioner.run;

import static dev.provisioner.support.Requests.awaitCompletion;
import static dev.provisioner.support.Requests.request;
import static dev.provisioner.support.Requests.send;
import static dev.provisioner.support.Requests.withOtel;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioner.demo.FailingDemoProgram;
import dev.provisioner.demo.SlowDemoProgram;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.support.OtlpReceiver;
import dev.provisioner.support.OtlpReceiverResource;
import dev.provisioner.support.RealParts;
import dev.provisioner.support.Requests;
import dev.provisioner.support.Schemas;
import dev.provisioner.support.Topics;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** Requests on the real broker, run by the real CLI, observed where users observe them. */
@QuarkusTest
@RealParts
class ProvisioningPipelineTest {

    @Test
    void upThenDestroyLeavesAnAuditTrailLogRecordsAndOneCompletionEach() {
        var up = withOtel(request("up", "pipeline", "dev", StashDemoProgram.NAME), "APP1", "token-up-destroy");
        up.with("config").put("count", "3");
        String upId = send(up);
        JsonNode upDone = awaitCompletion(upId);
        var destroy =
                withOtel(request("destroy", "pipeline", "dev", StashDemoProgram.NAME), "APP1", "token-up-destroy");
        String destroyId = send(destroy);
        JsonNode destroyDone = awaitCompletion(destroyId);

        Schemas.assertValid(Schemas.REQUEST, up);
        Schemas.assertValid(Schemas.COMPLETION, upDone);
        Schemas.assertValid(Schemas.COMPLETION, destroyDone);
        assertThat(upDone.get("status").asText()).isEqualTo("succeeded");
        assertThat(Requests.map(upDone.get("resourceChanges"))).containsOnly(Map.entry("create", 5));
        assertThat(upDone.at("/outputs/values")).hasSize(3);
        assertThat(upDone.get("engineVersion").asText()).isEqualTo("3.259.0");
        assertThat(destroyDone.get("status").asText()).isEqualTo("succeeded");
        assertThat(Requests.map(destroyDone.get("resourceChanges"))).containsOnly(Map.entry("delete", 5));

        List<ConsumerRecord<String, String>> completions = Topics.read(Topics.COMPLETIONS);
        assertThat(Requests.completions(completions, upId)).hasSize(1);
        assertThat(Requests.completions(completions, destroyId)).hasSize(1);
        assertThat(Requests.completions(completions, upId).get(0).key()).isEqualTo("pipeline/dev");

        assertAuditTrail(upId, upDone);
        assertAuditTrail(destroyId, destroyDone);
        assertLogRecords("up", upDone);
        assertLogRecords("destroy", destroyDone);
    }

    @Test
    void aFailingProgramEndsFailedWithTheEnginesError() {
        String id = send(request("up", "pipeline", "failing", FailingDemoProgram.NAME));

        JsonNode done = awaitCompletion(id);

        Schemas.assertValid(Schemas.COMPLETION, done);
        assertThat(done.get("status").asText()).isEqualTo("failed");
        assertThat(done.at("/error/type").asText()).isEqualTo("engine");
        assertThat(done.at("/error/message").asText()).contains(FailingDemoProgram.FAILURE);
        assertThat(done.at("/events/otelEnabled").asBoolean()).isFalse();
        List<JsonNode> trail = auditData(id);
        assertThat(trail)
                .anySatisfy(r ->
                        assertThat(r.at("/event/summaryEvent/result").asText()).isEqualTo("failed"))
                .anySatisfy(
                        r -> assertThat(r.at("/event/diagnosticEvent/message").asText())
                                .contains(FailingDemoProgram.FAILURE));
        assertThat(trail.get(trail.size() - 1).at("/details/status").asText()).isEqualTo("failed");
    }

    @Test
    void twoStacksRunSideBySideAndOneStacksRequestsInOrder() {
        var first = request("up", "order", "a", SlowDemoProgram.NAME);
        first.with("config").put("count", "3").put("delayMs", "700");
        var second = request("up", "order", "a", StashDemoProgram.NAME);
        var other = request("up", "order", "b", SlowDemoProgram.NAME);
        other.with("config").put("count", "3").put("delayMs", "700");

        String firstId = send(first);
        String secondId = send(second);
        String otherId = send(other);
        JsonNode a1 = awaitCompletion(firstId);
        JsonNode a2 = awaitCompletion(secondId);
        JsonNode b = awaitCompletion(otherId);

        assertThat(List.of(a1, a2, b))
                .allSatisfy(c -> assertThat(c.get("status").asText()).isEqualTo("succeeded"));
        assertThat(instant(a2, "startedAt"))
                .as("stack a's second request starts after its first ended")
                .isAfterOrEqualTo(instant(a1, "finishedAt"));
        assertThat(instant(b, "startedAt"))
                .as("stack b runs while stack a's first request runs")
                .isBefore(instant(a1, "finishedAt"));
        assertThat(instant(a1, "startedAt")).isBefore(instant(b, "finishedAt"));
    }

    private static void assertAuditTrail(String requestId, JsonNode completion) {
        List<ConsumerRecord<String, String>> records = Topics.read(Topics.AUDIT).stream()
                .filter(r -> Topics.header(r, "ce_id").startsWith(requestId + ":"))
                .toList();
        List<String> types =
                records.stream().map(r -> Topics.header(r, "ce_type")).toList();
        long engineEvents = completion.at("/events/total").asLong();

        assertThat(types.get(0)).isEqualTo("dev.provisioner.run.accepted");
        assertThat(types.get(1)).isEqualTo("dev.provisioner.run.started");
        assertThat(types.get(types.size() - 1)).isEqualTo("dev.provisioner.run.completed");
        assertThat(records).hasSize((int) engineEvents + 3);
        assertThat(records).allSatisfy(r -> {
            Schemas.assertValid(Schemas.AUDIT_RECORD, Requests.parse(r.value()));
            assertThat(r.key()).isEqualTo("pipeline/dev");
            assertThat(Topics.header(r, "ce_specversion")).isEqualTo("1.0");
            assertThat(Topics.header(r, "ce_source")).isEqualTo("/provisioner/pipeline/dev");
            assertThat(Topics.header(r, "ce_partitionkey")).isEqualTo("pipeline/dev");
            assertThat(Topics.header(r, "ce_time")).isNotBlank();
        });
        assertThat(new HashSet<>(
                        records.stream().map(r -> Topics.header(r, "ce_id")).toList()))
                .hasSize(records.size());
        assertThat(records.stream().map(r -> Topics.header(r, "ce_sequence")).toList())
                .isSorted()
                .doesNotHaveDuplicates();
        List<Long> engineSequences = records.stream()
                .map(r -> Requests.parse(r.value()).at("/event/sequence"))
                .filter(JsonNode::isNumber)
                .map(JsonNode::asLong)
                .toList();
        assertThat(engineSequences).hasSize((int) engineEvents).isSorted().doesNotHaveDuplicates();
        assertThat(records)
                .filteredOn(r -> "dev.provisioner.resource.pre".equals(Topics.header(r, "ce_type")))
                .allSatisfy(r -> assertThat(Topics.header(r, "ce_subject")).startsWith("urn:pulumi:dev::pipeline::"));
        assertThat(completion.at("/events/audited").asLong()).isEqualTo(engineEvents + 2);
    }

    private static void assertLogRecords(String operation, JsonNode completion) {
        OtlpReceiver receiver = OtlpReceiverResource.receiver();
        List<ResourceLogs> logs = receiver.resourceLogs().stream()
                .filter(r -> operation.equals(attributes(r).get("operation"))
                        && "pipeline".equals(attributes(r).get("project-name")))
                .toList();
        assertThat(logs)
                .isNotEmpty()
                .allSatisfy(r -> assertThat(attributes(r))
                        .containsEntry("appcode", "APP1")
                        .containsEntry("com.redhat.otel.auth_token", "token-up-destroy")
                        .containsEntry("project-name", "pipeline")
                        .containsEntry("operation", operation)
                        .containsEntry("stack", "dev")
                        .containsKey("service.name"));
        long records = logs.stream()
                .flatMap(r -> r.getScopeLogsList().stream())
                .mapToLong(s -> s.getLogRecordsCount())
                .sum();
        assertThat(records).isEqualTo(completion.at("/events/total").asLong());
        assertThat(completion.at("/events/otelExported").asLong()).isEqualTo(records);
        assertThat(completion.at("/events/otelDropped").asLong()).isZero();
        assertThat(receiver.exports())
                .filteredOn(e -> e.request().getResourceLogsList().stream().anyMatch(logs::contains))
                .allSatisfy(e -> assertThat(e.header("Authorization")).isEqualTo("Bearer token-up-destroy"));
        assertThat(logs.stream()
                        .flatMap(r -> r.getScopeLogsList().stream())
                        .flatMap(s -> s.getLogRecordsList().stream()))
                .allSatisfy(r -> {
                    assertThat(r.getEventName()).startsWith("pulumi.");
                    assertThat(r.getTraceId().size()).isEqualTo(16);
                    assertThat(r.getObservedTimeUnixNano()).isPositive();
                });
    }

    private static Map<String, String> attributes(ResourceLogs logs) {
        return logs.getResource().getAttributesList().stream()
                .collect(Collectors.toMap(KeyValue::getKey, kv -> kv.getValue().getStringValue()));
    }

    private static List<JsonNode> auditData(String requestId) {
        return Topics.read(Topics.AUDIT).stream()
                .filter(r -> Topics.header(r, "ce_id").startsWith(requestId + ":"))
                .map(r -> Requests.parse(r.value()))
                .toList();
    }

    private static Instant instant(JsonNode completion, String field) {
        return Instant.parse(completion.get(field).asText());
    }
}
