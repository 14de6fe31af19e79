package dev.provisioner.request;

import static dev.provisioner.support.Requests.request;
import static dev.provisioner.support.Requests.withOtel;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.listener.RequestConsumer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** The hostile records {@link HostileRequestsTest} sends, each with what the service must answer to it. */
final class HostileCorpus {

    private static final int MEBIBYTE = 1024 * 1024;

    private HostileCorpus() {}

    /**
     * One hostile record: sent with {@code key}, expected back on the dead-letter topic and in the completion
     * keyed {@code outputKey} with a reason that contains {@code reason}.
     */
    record Hostile(String name, String key, byte[] payload, String reason, String outputKey) {
        Hostile(String name, String payload, String reason) {
            this(name, "hostile/" + name, bytes(payload), reason, "hostile/" + name);
        }

        String payloadText() {
            return payload == null ? null : new String(payload, StandardCharsets.UTF_8);
        }
    }

    /** The corpus by record name, in the order it is sent. */
    static Map<String, Hostile> byName() {
        List<Hostile> corpus = new ArrayList<>();
        corpus.add(new Hostile("malformed", "{\"requestId\": \"h-malformed\", \"operation\": ", "not valid JSON"));
        corpus.add(new Hostile(
                "number-in-config",
                valid("number-in-config", r -> r.putObject("config").put("count", 3)),
                "config.count has the wrong type"));
        corpus.add(new Hostile(
                "string-timeout",
                valid("string-timeout", r -> r.put("timeoutSeconds", "60")),
                "timeoutSeconds has the wrong type"));
        corpus.add(new Hostile(
                "ten-megabytes",
                valid("ten-megabytes", r -> r.putObject("config").put("blob", "b".repeat(10 * MEBIBYTE))),
                "bytes; at most 1048576 are accepted"));
        corpus.add(new Hostile(
                "deep-nesting",
                "{\"requestId\": \"h-deep\", \"config\": " + "{\"a\": ".repeat(5000) + "1" + "}".repeat(5001),
                "nesting depth"));
        corpus.add(new Hostile("deep-arrays", "[".repeat(200_000) + "]".repeat(200_000), "nesting depth"));
        corpus.add(new Hostile(
                "unknown-field", valid("unknown-field", r -> r.put("colour", "red")), "unknown field 'colour'"));
        corpus.add(new Hostile(
                "traversal",
                "hostile/traversal",
                bytes(request("up", "../../etc", "dev", StashDemoProgram.NAME).toString()),
                "project must be",
                "hostile/traversal"));
        corpus.add(new Hostile(
                "urn-parts",
                "hostile/urn-parts",
                bytes(request("up", "a::b", "c::d", StashDemoProgram.NAME).toString()),
                "stack must be",
                "hostile/urn-parts"));
        corpus.add(new Hostile(
                "urn",
                "hostile/urn",
                bytes(request("up", "urn:pulumi:dev::x::pulumi:pulumi:Stack::y", "dev", StashDemoProgram.NAME)
                        .toString()),
                "project must be",
                "hostile/urn"));
        corpus.add(new Hostile(
                "nul-in-name",
                "hostile/nul-in-name",
                bytes(request("up", "dev\u0000", "x", StashDemoProgram.NAME).toString()),
                "project must be",
                "hostile/nul-in-name"));
        corpus.add(new Hostile(
                "newline-in-name",
                "hostile/newline-in-name",
                bytes(request("up", "a\nFORGED", "x", StashDemoProgram.NAME).toString()),
                "project must be",
                "hostile/newline-in-name"));
        corpus.add(new Hostile(
                "ansi-actor",
                valid("ansi-actor", r -> r.put("requestedBy", "\u001b[31malice\u001b[0m\nFORGED-LINE")),
                "requestedBy must have at most 256 characters and no control characters"));
        corpus.add(new Hostile(
                "c1-actor", valid("c1-actor", r -> r.put("requestedBy", "alice\u009b2J")), "no control characters"));
        corpus.add(new Hostile(
                "bidi-actor",
                valid("bidi-actor", r -> r.put("requestedBy", "alice\u202Emoc.elpmaxe")),
                "no control characters"));
        corpus.add(new Hostile(
                "ansi-config-key",
                valid("ansi-config-key", r -> r.putObject("config").put("\u001b[2J\u001b[H", 1)),
                "config.?[2J?[H has the wrong type"));
        corpus.add(new Hostile(
                "ansi-unknown-field",
                valid("ansi-unknown-field", r -> r.put("x\u001b]0;owned\u0007", 1)),
                "unknown field 'x?]0;owned?'"));
        corpus.add(new Hostile(
                "missing-token",
                valid("missing-token", r -> r.putObject("otel").put("appCode", "APP")),
                "otel.authToken is required"));
        corpus.add(new Hostile(
                "long-token",
                valid("long-token", r -> withOtel(r, "APP", "t".repeat(5000))),
                "otel.authToken is required: 1 to 4096 visible ASCII characters"));
        corpus.add(new Hostile(
                "long-token-not-json",
                "{\"otel\": {\"appCode\": \"APP\", \"authToken\": \"" + "t".repeat(5000) + "\"}, \"requestId\": ",
                "not valid JSON"));
        corpus.add(new Hostile(
                "spaced-token",
                valid("spaced-token", r -> withOtel(r, "APP", "Bearer abc def")),
                "otel.authToken is required"));
        corpus.add(new Hostile(
                "unknown-program",
                "hostile/unknown-program",
                bytes(request("up", "hostile", "unknown-program", "../../bin/sh")
                        .toString()),
                "program '../../bin/sh' is not in the catalog",
                "hostile/unknown-program"));
        corpus.add(new Hostile(
                "operation",
                "hostile/operation",
                bytes(request("rm -rf", "hostile", "operation", StashDemoProgram.NAME)
                        .toString()),
                "operation must be one of up, destroy, preview, refresh",
                "hostile/operation"));
        corpus.add(new Hostile(
                "duplicate-keys", "{\"requestId\":\"a\",\"requestId\":\"b\"}", "duplicate field 'requestId'"));
        corpus.add(new Hostile("empty", "", "the request is empty"));
        corpus.add(new Hostile("tombstone", "hostile/tombstone", null, "the request is empty", "hostile/tombstone"));
        corpus.add(new Hostile("array", "[{\"requestId\": \"h-array\"}]", "must be a JSON object"));
        corpus.add(new Hostile(
                "many-config-keys",
                valid("many-config-keys", r -> {
                    ObjectNode config = r.putObject("config");
                    for (int i = 0; i < 20_000; i++) {
                        config.put("k" + i, "v");
                    }
                }),
                "at most 256 keys"));
        corpus.add(new Hostile(
                "not-utf8",
                "hostile/not-utf8",
                new byte[] {(byte) 0xFF, (byte) 0xFE, 0, (byte) 0xC3, 0x28},
                "not valid JSON",
                "hostile/not-utf8"));
        String longKey = "hostile/" + "k".repeat(100_000);
        corpus.add(new Hostile(
                "long-key",
                longKey,
                bytes(request("up", "hostile", "long-key", StashDemoProgram.NAME)
                        .toString()),
                "the record key must be project/stack",
                longKey.substring(0, RequestConsumer.MAX_KEY_CHARS)));
        String ansiKey = "hostile/\u001b[31mkey\u001b[0m\nFORGED-KEY";
        corpus.add(new Hostile(
                "ansi-key",
                ansiKey,
                bytes(request("up", "hostile", "ansi-key", StashDemoProgram.NAME)
                        .toString()),
                "the record key must be project/stack",
                ansiKey));
        corpus.add(new Hostile(
                "no-key",
                null,
                bytes(request("up", "hostile", "no-key", StashDemoProgram.NAME).toString()),
                "the record key must be project/stack",
                null));
        Map<String, Hostile> byName = new LinkedHashMap<>();
        corpus.forEach(h -> byName.put(h.name(), h));
        return byName;
    }

    /** A request that is valid but for what {@code spoil} does to it. */
    private static String valid(String name, Consumer<ObjectNode> spoil) {
        ObjectNode request = request("up", "hostile", name, StashDemoProgram.NAME);
        spoil.accept(request);
        return request.toString();
    }

    static byte[] bytes(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }
}
