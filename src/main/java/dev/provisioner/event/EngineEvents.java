package dev.provisioner.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads the engine's JSON events into {@link EngineEvent}s. Nothing is dropped: a kind that is not
 * modelled becomes {@link EngineEvent.Unknown}, and every event keeps its JSON.
 */
public final class EngineEvents {

    private static final String SEQUENCE = "sequence";
    private static final String TIMESTAMP = "timestamp";
    private static final SecretRedactor NO_SECRETS = new SecretRedactor(List.of());

    private final ObjectMapper mapper;

    public EngineEvents(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    /**
     * Parses one event line.
     *
     * @throws IllegalArgumentException if the line is not a JSON object
     */
    public EngineEvent parse(String line) {
        return parse(line, NO_SECRETS);
    }

    /** Parses one event line with every secret value masked. */
    public EngineEvent parse(String line, SecretRedactor secrets) {
        JsonNode node;
        try {
            node = mapper.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("engine event is not JSON: " + e.getOriginalMessage(), e);
        }
        if (!(node instanceof ObjectNode json)) {
            throw new IllegalArgumentException("engine event is not a JSON object");
        }
        if (!secrets.isEmpty()) {
            secrets.redact(json);
        }
        return of(json);
    }

    /** Maps one event object. */
    public static EngineEvent of(ObjectNode json) {
        long seq = json.path(SEQUENCE).asLong();
        long ts = json.path(TIMESTAMP).asLong();
        String kind = kindOf(json);
        JsonNode p = json.path(kind);
        return switch (kind) {
            case "preludeEvent" -> new EngineEvent.Prelude(seq, ts, strings(p.path("config")), json);
            case "resourcePreEvent" ->
                new EngineEvent.ResourcePre(
                        seq,
                        ts,
                        metadata(p.path("metadata")),
                        p.path("planning").asBoolean(),
                        json);
            case "resOutputsEvent" ->
                new EngineEvent.ResourceOutputs(
                        seq,
                        ts,
                        metadata(p.path("metadata")),
                        p.path("planning").asBoolean(),
                        json);
            case "resOpFailedEvent" ->
                new EngineEvent.ResourceOperationFailed(
                        seq,
                        ts,
                        metadata(p.path("metadata")),
                        p.path("status").asInt(),
                        p.path("steps").asInt(),
                        json);
            case "diagnosticEvent" ->
                new EngineEvent.Diagnostic(
                        seq,
                        ts,
                        text(p, "urn"),
                        text(p, "prefix"),
                        text(p, "message"),
                        text(p, "severity"),
                        p.path("ephemeral").asBoolean(),
                        json);
            case "stdoutEvent" -> new EngineEvent.StandardOutput(seq, ts, text(p, "message"), json);
            case "policyEvent" ->
                new EngineEvent.Policy(
                        seq,
                        ts,
                        text(p, "resourceUrn"),
                        text(p, "policyPackName"),
                        text(p, "policyPackVersion"),
                        text(p, "policyName"),
                        text(p, "enforcementLevel"),
                        text(p, "severity"),
                        text(p, "message"),
                        json);
            case "progressEvent" ->
                new EngineEvent.Progress(
                        seq,
                        ts,
                        text(p, "type"),
                        text(p, "id"),
                        text(p, "message"),
                        // The engine's field for what is completed so far is named "received".
                        p.path("received").asLong(),
                        p.path("total").asLong(),
                        p.path("done").asBoolean(),
                        json);
            case "errorEvent" -> new EngineEvent.Error(seq, ts, text(p, "error"), json);
            case "summaryEvent" ->
                new EngineEvent.Summary(
                        seq,
                        ts,
                        text(p, "result"),
                        p.path("isPreview").asBoolean(),
                        p.path("maybeCorrupt").asBoolean(),
                        p.path("durationSeconds").asLong(),
                        counts(p.path("resourceChanges")),
                        json);
            case "cancelEvent" -> new EngineEvent.Cancel(seq, ts, json);
            default -> new EngineEvent.Unknown(seq, ts, json);
        };
    }

    /** The payload field's name: the one field besides {@code sequence} and {@code timestamp}. */
    static String kindOf(ObjectNode json) {
        for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!SEQUENCE.equals(name) && !TIMESTAMP.equals(name)) {
                return name;
            }
        }
        return "";
    }

    /** The resource an event is about, or {@code ""}. */
    public static String urnOf(EngineEvent event) {
        if (event instanceof EngineEvent.ResourcePre e) {
            return e.metadata().urn();
        }
        if (event instanceof EngineEvent.ResourceOutputs e) {
            return e.metadata().urn();
        }
        if (event instanceof EngineEvent.ResourceOperationFailed e) {
            return e.metadata().urn();
        }
        if (event instanceof EngineEvent.Diagnostic e) {
            return e.urn();
        }
        if (event instanceof EngineEvent.Policy e) {
            return e.resourceUrn();
        }
        return "";
    }

    /** The names of the kinds seen so far: the engine has a few dozen. */
    private static final Map<String, String> NAMES = new ConcurrentHashMap<>();

    static String nameOf(String kind) {
        return NAMES.computeIfAbsent(kind, EngineEvents::spell);
    }

    private static String spell(String kind) {
        return switch (kind) {
            case "resourcePreEvent" -> "resource.pre";
            case "resOutputsEvent" -> "resource.outputs";
            case "resOpFailedEvent" -> "resource.failed";
            case "stdoutEvent" -> "stdout";
            // The engine sends it last in every operation, cancelled or not: it marks the end.
            case "cancelEvent" -> "end";
            default -> dotted(kind.endsWith("Event") ? kind.substring(0, kind.length() - "Event".length()) : kind);
        };
    }

    /** {@code policyAnalyzeSummary} → {@code policy.analyze.summary}. */
    private static String dotted(String camel) {
        var name = new StringBuilder(camel.length() + 4);
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (Character.isUpperCase(c)) {
                if (name.length() > 0) {
                    name.append('.');
                }
                name.append(Character.toLowerCase(c));
            } else {
                name.append(c);
            }
        }
        return name.length() == 0 ? "unknown" : name.toString();
    }

    private static EngineEvent.StepMetadata metadata(JsonNode m) {
        List<String> diffs = new ArrayList<>();
        m.path("diffs").forEach(d -> diffs.add(d.asText()));
        Map<String, String> detailed = new LinkedHashMap<>();
        m.path("detailedDiff").fields().forEachRemaining(e -> detailed.put(e.getKey(), text(e.getValue(), "diffKind")));
        return new EngineEvent.StepMetadata(
                text(m, "op"),
                text(m, "urn"),
                text(m, "type"),
                text(m, "provider"),
                Collections.unmodifiableList(diffs),
                Collections.unmodifiableMap(detailed),
                m.get("old") instanceof ObjectNode o ? o : null,
                m.get("new") instanceof ObjectNode n ? n : null);
    }

    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> map = new LinkedHashMap<>();
        object.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
        return Collections.unmodifiableMap(map);
    }

    private static Map<String, Integer> counts(JsonNode object) {
        Map<String, Integer> map = new LinkedHashMap<>();
        object.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asInt()));
        return Collections.unmodifiableMap(map);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? "" : value.asText();
    }
}
