package dev.provisioner.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Builds request payloads as a producer would, and finds what the service answered to them. */
public final class Requests {

    public static final ObjectMapper JSON = new ObjectMapper();
    public static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);

    private Requests() {}

    /** A request with a fresh id; {@code otel} names the tenant with {@code appCode} and {@code token}. */
    public static ObjectNode request(String operation, String project, String stack, String program) {
        ObjectNode request = JSON.createObjectNode()
                .put("requestId", "req-" + UUID.randomUUID())
                .put("operation", operation)
                .put("project", project)
                .put("stack", stack)
                .put("program", program)
                .put("requestedBy", "alice@example.com");
        request.putObject("config");
        return request;
    }

    public static ObjectNode withOtel(ObjectNode request, String appCode, String token) {
        request.putObject("otel").put("appCode", appCode).put("authToken", token);
        return request;
    }

    /** Sends it keyed {@code project/stack}. */
    public static String send(ObjectNode request) {
        Topics.send(request.get("project").asText() + "/" + request.get("stack").asText(), request.toString());
        return request.get("requestId").asText();
    }

    /** Asks to cancel {@code requestId}, as {@code actor}. */
    public static void cancel(String requestId, String actor) {
        Topics.send(
                Topics.CANCELLATIONS,
                requestId,
                JSON.createObjectNode()
                        .put("requestId", requestId)
                        .put("requestedBy", actor)
                        .put("reason", "test")
                        .toString());
    }

    /** The audit records of {@code requestId} so far, in order. */
    public static List<ConsumerRecord<String, String>> auditTrail(String requestId) {
        return Topics.read(Topics.AUDIT).stream()
                .filter(r -> Topics.header(r, "ce_id").startsWith(requestId + ":"))
                .toList();
    }

    /** Waits until the audit trail of {@code requestId} has a record of {@code type}. */
    public static void awaitAudit(String requestId, String type) {
        Topics.awaitRecords(
                Topics.AUDIT,
                RUN_TIMEOUT,
                all -> all.stream()
                        .anyMatch(r -> Topics.header(r, "ce_id").startsWith(requestId + ":")
                                && type.equals(Topics.header(r, "ce_type"))));
    }

    /** The record that carried request {@code requestId} on the requests topic. */
    public static ConsumerRecord<String, String> record(String requestId) {
        return Topics.read(Topics.REQUESTS).stream()
                .filter(r -> r.value() != null
                        && r.value().contains(requestId)
                        && requestId.equals(parse(r.value()).path("requestId").asText()))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no request " + requestId + " on " + Topics.REQUESTS));
    }

    /** Waits until the run of {@code requestId} has created a resource of {@code type}: it is under way. */
    public static void awaitCreated(String requestId, String type) {
        Topics.awaitRecords(
                Topics.AUDIT,
                RUN_TIMEOUT,
                all -> all.stream()
                        .anyMatch(r -> Topics.header(r, "ce_id").startsWith(requestId + ":")
                                && "dev.provisioner.resource.outputs".equals(Topics.header(r, "ce_type"))
                                && String.valueOf(Topics.header(r, "ce_subject"))
                                        .contains(type)));
    }

    /** Waits for the completion of {@code requestId} and returns it. */
    public static JsonNode awaitCompletion(String requestId) {
        var records = Topics.awaitRecords(
                Topics.COMPLETIONS,
                RUN_TIMEOUT,
                all -> !completions(all, requestId).isEmpty());
        return parse(completions(records, requestId).get(0).value());
    }

    /** The completions of {@code requestId} among {@code records}. */
    public static List<ConsumerRecord<String, String>> completions(
            List<ConsumerRecord<String, String>> records, String requestId) {
        return records.stream()
                .filter(r -> requestId.equals(Topics.header(r, "provisioner-request-id")))
                .toList();
    }

    public static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public static Map<String, Object> map(JsonNode node) {
        return JSON.convertValue(node, Map.class);
    }
}
