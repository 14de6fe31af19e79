package dev.provisioner.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.pulumi.automation.AutomationException;
import com.pulumi.automation.CommandResult;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one run already knows, so that {@link RunCommand} answers the SDK without starting a process: every
 * operation names its stack, so selecting a stack the backend is known to hold changes nothing the run uses; after
 * an operation the SDK reads the stack's outputs and its latest update, which the operation's own events carried
 * (the root Stack's outputs event, secrets blinded by the engine, and the summary). A secret output is never known
 * in the clear here.
 */
final class KnownAnswers {

    private static final String SECRET_MASK = "[secret]";
    /** The key that marks a secret in the engine's events ({@code resource.SecretSig}). */
    private static final String SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

    private static final String STACK_TYPE = "pulumi:pulumi:Stack";

    private final ObjectMapper mapper;
    /** The stack every operation names, or null (a read that names its own). */
    private volatile String stack;
    /** Whether the backend is known to hold {@link #stack}. */
    private volatile boolean stackExists;
    /** The stack's outputs, secrets as {@value #SECRET_MASK}; null until an operation or a read showed them. */
    private volatile ObjectNode outputs;
    /** The kind ({@code update}, …) of the operation that succeeded last, or null. */
    private volatile String lastUpdate;

    KnownAnswers(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    void forStack(String name, boolean exists) {
        this.stack = name;
        this.stackExists = exists;
    }

    /** The stack every operation names, or null. */
    String stack() {
        return stack;
    }

    /** An operation starts: what an earlier one showed is no longer the stack's. */
    void operationStarts() {
        outputs = null;
        lastUpdate = null;
    }

    /** The operation {@code verb} ({@code up}, …) succeeded. */
    void operationSucceeded(String verb) {
        lastUpdate = switch (verb) {
            case "up" -> "update";
            case "refresh" -> "refresh";
            case "destroy" -> "destroy";
            default -> null;
        };
    }

    /** The answer to a command that is no operation, when the run knows it. */
    Optional<CommandResult> answer(List<String> args) {
        if (args.size() < 2 || !args.get(0).equals("stack")) {
            return Optional.empty();
        }
        String verb = args.get(1);
        if (verb.equals("select") && stackExists && stack != null && args.contains(stack)) {
            // Every operation names the stack: selecting it would change nothing the run uses.
            return Optional.of(new CommandResult(0, "", ""));
        }
        ObjectNode shown = outputs;
        if (isStackOutput(args) && shown != null) {
            return Optional.of(new CommandResult(0, asText(shown), ""));
        }
        if (verb.equals("history") && lastUpdate != null && !args.contains("--stack") && args.contains("1")) {
            // The SDK's look at the update that just succeeded (--page-size 1): the run uses none of it.
            ObjectNode update =
                    mapper.createObjectNode().put("kind", lastUpdate).put("result", "succeeded");
            return Optional.of(
                    new CommandResult(0, mapper.createArrayNode().add(update).toString(), ""));
        }
        return Optional.empty();
    }

    /** Keeps the outputs a {@code stack output --json} read printed, masked, and gives the SDK its answer. */
    CommandResult outputsRead(CommandResult read) throws AutomationException {
        try {
            String printed = read.standardOutput();
            JsonNode parsed = printed.isBlank() ? mapper.createObjectNode() : mapper.readTree(printed);
            ObjectNode kept = parsed instanceof ObjectNode object ? object : mapper.createObjectNode();
            outputs = kept;
            return new CommandResult(read.code(), asText(kept), read.standardError());
        } catch (JsonProcessingException e) {
            throw new AutomationException("`pulumi stack output --json` printed no JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Keeps what the answers need from an engine event: the root stack's outputs, secrets masked. */
    void observe(String json) {
        if (!json.contains("\"resOutputsEvent\"") || !json.contains("\"type\":\"" + STACK_TYPE + "\"")) {
            return;
        }
        try {
            JsonNode metadata = mapper.readTree(json).path("resOutputsEvent").path("metadata");
            JsonNode stackOutputs = metadata.path("new").path("outputs");
            if (!STACK_TYPE.equals(metadata.path("type").asText()) || !stackOutputs.isObject()) {
                return;
            }
            ObjectNode kept = mapper.createObjectNode();
            stackOutputs
                    .fields()
                    .forEachRemaining(e -> kept.set(
                            e.getKey(),
                            holdsSecret(e.getValue()) ? mapper.getNodeFactory().textNode(SECRET_MASK) : e.getValue()));
            outputs = kept;
        } catch (JsonProcessingException e) {
            // Not an event this run can read: the SDK's read of the outputs then starts the CLI.
        }
    }

    /** The outputs known, typed, each with whether it is a secret; a secret's value is {@code null}. */
    Map<String, EngineResult.StackOutput> outputs() {
        Map<String, EngineResult.StackOutput> known = new LinkedHashMap<>();
        ObjectNode shown = outputs;
        if (shown != null) {
            shown.fields().forEachRemaining(e -> {
                boolean secret = SECRET_MASK.equals(e.getValue().asText(null));
                known.put(
                        e.getKey(),
                        new EngineResult.StackOutput(
                                secret ? null : mapper.convertValue(e.getValue(), Object.class), secret));
            });
        }
        return known;
    }

    static boolean isStackOutput(List<String> args) {
        return args.size() > 1
                && args.get(0).equals("stack")
                && args.get(1).equals("output")
                && args.contains("--json");
    }

    private static boolean holdsSecret(JsonNode value) {
        if (value.isObject() && value.has(SECRET_SIG_KEY)) {
            return true;
        }
        for (JsonNode inner : value) {
            if (holdsSecret(inner)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The SDK (1.36.1) reads {@code stack output --json} as a map of strings and fails on any other output, a
     * list or a number: it gets each value as JSON text.
     */
    private String asText(ObjectNode printed) {
        ObjectNode asText = mapper.createObjectNode();
        printed.fields()
                .forEachRemaining(e -> asText.put(
                        e.getKey(),
                        e.getValue().isTextual()
                                ? e.getValue().asText()
                                : e.getValue().toString()));
        return asText.toString();
    }
}
