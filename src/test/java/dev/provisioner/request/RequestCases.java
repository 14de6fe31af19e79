package dev.provisioner.request;

import static dev.provisioner.contract.RequestRules.MAX_ACTOR_CHARS;
import static dev.provisioner.contract.RequestRules.MAX_ATTRIBUTES;
import static dev.provisioner.contract.RequestRules.MAX_ATTRIBUTE_VALUE_CHARS;
import static dev.provisioner.contract.RequestRules.MAX_CONFIG_ENTRIES;
import static dev.provisioner.contract.RequestRules.MAX_CONFIG_VALUE_CHARS;
import static dev.provisioner.contract.RequestRules.MAX_ENDPOINT_CHARS;
import static dev.provisioner.contract.RequestRules.MAX_TIMEOUT_SECONDS;
import static dev.provisioner.contract.RequestRules.MAX_TOKEN_CHARS;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioner.contract.RequestRules;
import dev.provisioner.contract.StackNames;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.support.Requests;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * The requests {@link RequestSchemaTest} gives both the parser and the schema: each is {@link #full()} with
 * one change, named for what it is. Longer than a file should be, but a list: one case after the other, by
 * field.
 */
final class RequestCases {

    /** The one OTLP endpoint the parser of these tests allows. */
    static final String ALLOWED_ENDPOINT = "https://collector.example.com:4318";

    /** Characters no log line, terminal or audit UI may get from a payload, by name. */
    static final List<String> CONTROLS = List.of(
            "\u0000",
            "\u0007",
            "\t",
            "\n",
            "\r",
            "\u001b[31m",
            "\u007f",
            "\u0080",
            "\u0085",
            "\u009b2J",
            "\u009f",
            "\u2028",
            "\u2029",
            "\u202a",
            "\u202b",
            "\u202c",
            "\u202d",
            "\u202e",
            "\u2066",
            "\u2067",
            "\u2068",
            "\u2069");

    private RequestCases() {}

    /** A request both take, once {@code change} is made to {@link #full()}. */
    record Accepted(String name, Consumer<ObjectNode> change) {
        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * A request both refuse once {@code spoil} is made to {@link #full()}: the schema with errors at
     * {@code field} (names from the top), the parser with a reason that names it and says {@code words}.
     */
    record Refused(String name, List<String> field, String words, Consumer<ObjectNode> spoil) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A request with every field, valid. */
    static ObjectNode full() {
        ObjectNode request =
                Requests.withOtel(Requests.request("up", "schema", "dev", StashDemoProgram.NAME), "APP", "t0k");
        request.withObject("config").put("count", "3");
        request.putObject("secretConfig").put("secret", "s3cret");
        otel(request).put("index", "idx-1").put("endpoint", ALLOWED_ENDPOINT);
        attributes(request).put("team", "platform");
        request.put("timeoutSeconds", 600);
        return request;
    }

    static ObjectNode otel(ObjectNode request) {
        return request.withObject("otel");
    }

    static ObjectNode attributes(ObjectNode request) {
        return otel(request).withObject("attributes");
    }

    static List<Accepted> accepted() {
        String visibleAscii =
                IntStream.rangeClosed(0x21, 0x7E).mapToObj(Character::toString).reduce("", String::concat);
        return List.of(
                new Accepted("every field", r -> {}),
                new Accepted(
                        "only the required fields",
                        r -> r.remove(List.of("config", "secretConfig", "otel", "timeoutSeconds"))),
                new Accepted(
                        "otel with only its app code and token",
                        r -> otel(r).remove(List.of("index", "endpoint", "attributes"))),
                new Accepted(
                        "the allowed endpoint with a trailing slash",
                        r -> otel(r).put("endpoint", ALLOWED_ENDPOINT + "/")),
                new Accepted(
                        "a request id of every character it may have, at its longest",
                        r -> r.put("requestId", "r:._-" + "9".repeat(123))),
                new Accepted(
                        "names at their longest",
                        r -> r.put("project", "p".repeat(StackNames.MAX_LENGTH)).put("stack", "_s.t-u")),
                // count, k1 to k254, and the secret: 256.
                new Accepted(
                        "as many config keys as there may be, with the secret ones",
                        r -> IntStream.range(1, MAX_CONFIG_ENTRIES - 1)
                                .forEach(i -> r.withObject("config").put("k" + i, "v"))),
                new Accepted(
                        "config keys of every character they may have",
                        r -> r.withObject("config").put("_a.b:c-d", "v").put("k".repeat(128), "v")),
                new Accepted(
                        "a config value at its longest",
                        r -> r.withObject("config").put("count", "3".repeat(MAX_CONFIG_VALUE_CHARS))),
                new Accepted(
                        "a config value at its longest, outside the BMP",
                        r -> r.withObject("config").put("count", "😀".repeat(MAX_CONFIG_VALUE_CHARS))),
                new Accepted(
                        "as many attributes as there may be, at their longest",
                        r -> IntStream.range(0, MAX_ATTRIBUTES)
                                .forEach(i -> attributes(r)
                                        .put(i == 0 ? "team" : "a" + i, "v".repeat(MAX_ATTRIBUTE_VALUE_CHARS)))),
                new Accepted(
                        "attribute keys that only look reserved",
                        r -> attributes(r)
                                .put("servicename", "x")
                                .put("service", "x")
                                .put("Service.name", "x")
                                .put("team.index", "x")
                                .put("appcode2", "x")),
                new Accepted(
                        "a token of every visible ASCII character, at its longest",
                        r -> otel(r).put(
                                        "authToken",
                                        visibleAscii
                                                .repeat(MAX_TOKEN_CHARS / visibleAscii.length() + 1)
                                                .substring(0, MAX_TOKEN_CHARS))),
                new Accepted(
                        "labels at their longest",
                        r -> otel(r).put("appCode", "A".repeat(64)).put("index", "i-._".repeat(16))),
                new Accepted("a pinned program digest", r -> r.put("programDigest", "sha256:" + "0a".repeat(32))),
                new Accepted("the shortest timeout", r -> r.put("timeoutSeconds", 1)),
                new Accepted("the longest timeout", r -> r.put("timeoutSeconds", MAX_TIMEOUT_SECONDS)),
                new Accepted("a whole timeout written with a fraction", r -> r.put("timeoutSeconds", 60.0)),
                new Accepted("an actor in any script", r -> r.put("requestedBy", "Zoë 张伟 😀 <zoe@example.com>")),
                new Accepted(
                        "an actor at its longest, outside the BMP",
                        r -> r.put("requestedBy", "😀".repeat(MAX_ACTOR_CHARS))),
                new Accepted(
                        "an attribute value at its longest, outside the BMP",
                        r -> attributes(r).put("team", "😀".repeat(MAX_ATTRIBUTE_VALUE_CHARS))));
    }

    static List<Refused> refused() {
        List<Refused> cases = new ArrayList<>();
        // The request id is part of every audit record's id.
        for (String id : List.of("a/b", "a b", ".a", "-a", "r".repeat(129), "")) {
            cases.add(new Refused(
                    "request id '" + shown(id) + "'",
                    List.of("requestId"),
                    "requestId must be",
                    r -> r.put("requestId", id)));
        }
        cases.add(new Refused(
                "a request id that is a number",
                List.of("requestId"),
                "has the wrong type",
                r -> r.put("requestId", 5)));
        for (String required : List.of("requestId", "operation", "project", "stack", "program", "requestedBy")) {
            cases.add(new Refused(
                    "no " + required, List.of(required), required + " is required", r -> r.remove(required)));
        }
        for (String operation : List.of("rollback", "UP", "rm -rf")) {
            cases.add(new Refused(
                    "operation '" + operation + "'",
                    List.of("operation"),
                    "operation must be one of up, destroy, preview, refresh",
                    r -> r.put("operation", operation)));
        }
        // Names become directories and URN parts.
        for (String name : List.of(
                "../etc",
                "..",
                "a/b",
                "-rf",
                ".hidden",
                "a::b",
                "urn:pulumi:dev::x",
                "dev\u0000",
                "a\nFORGED",
                "n".repeat(101),
                "")) {
            cases.add(new Refused(
                    "project '" + shown(name) + "'",
                    List.of("project"),
                    "project must be",
                    r -> r.put("project", name)));
        }
        cases.add(
                new Refused("stack 'a/../../b'", List.of("stack"), "stack must be", r -> r.put("stack", "a/../../b")));
        cases.add(new Refused(
                "an unknown field", List.of("colour"), "unknown field 'colour'", r -> r.put("colour", "red")));
        cases.add(new Refused(
                "an unknown field named with an escape sequence",
                List.of("x\u001b]0;owned\u0007"),
                "unknown field",
                r -> r.put("x\u001b]0;owned\u0007", 1)));
        cases.add(new Refused(
                "an unknown field of otel",
                List.of("otel", "colour"),
                "unknown field 'otel.colour'",
                r -> otel(r).put("colour", "red")));
        // The actor reaches the audit trail and log lines.
        cases.add(new Refused(
                "a blank actor",
                List.of("requestedBy"),
                "requestedBy is required",
                r -> r.put("requestedBy", " \u3000 ")));
        cases.add(new Refused(
                "an actor of 257 characters",
                List.of("requestedBy"),
                "at most 256 characters",
                r -> r.put("requestedBy", "a".repeat(MAX_ACTOR_CHARS + 1))));
        for (String control : CONTROLS) {
            cases.add(new Refused(
                    "an actor with " + shown(control),
                    List.of("requestedBy"),
                    "no control characters",
                    r -> r.put("requestedBy", "alice" + control + "x")));
            cases.add(new Refused(
                    "an attribute value with " + shown(control),
                    List.of("otel", "attributes", "team"),
                    "without control characters",
                    r -> attributes(r).put("team", "a" + control + "b")));
        }
        // Config and secretConfig: the same rules.
        for (String map : List.of("config", "secretConfig")) {
            cases.add(new Refused(
                    "too many keys in " + map,
                    List.of(map),
                    "at most 256 keys",
                    r -> IntStream.rangeClosed(0, MAX_CONFIG_ENTRIES)
                            .forEach(i -> r.withObject(map).put("k" + i, "v"))));
            cases.add(new Refused(
                    "a value too long in " + map,
                    List.of(map, "blob"),
                    "has more than 65536 characters",
                    r -> r.withObject(map).put("blob", "b".repeat(MAX_CONFIG_VALUE_CHARS + 1))));
            cases.add(new Refused(
                    "a number in " + map,
                    List.of(map, "n"),
                    "has the wrong type",
                    r -> r.withObject(map).put("n", 3)));
            cases.add(new Refused(
                    "a null value in " + map,
                    List.of(map, "n"),
                    "must be a string",
                    r -> r.withObject(map).putNull("n")));
            cases.add(new Refused(map + " that is a list", List.of(map), "has the wrong type", r -> r.putArray(map)));
            for (String key : List.of("a b", ".x", "-x", "a/b", "\u001b[2J", "k".repeat(129), "")) {
                cases.add(new Refused(
                        map + " key '" + shown(key) + "'",
                        List.of(map, key),
                        "must be 1 to 128 characters",
                        r -> r.withObject(map).put(key, "v")));
            }
        }
        // The tenant: its token goes where the records go.
        cases.add(new Refused("otel that is text", List.of("otel"), "has the wrong type", r -> r.put("otel", "APP")));
        cases.add(new Refused(
                "no token",
                List.of("otel", "authToken"),
                "otel.authToken is required",
                r -> otel(r).remove("authToken")));
        cases.add(new Refused(
                "no app code", List.of("otel", "appCode"), "otel.appCode is required", r -> otel(r).remove("appCode")));
        for (String token :
                List.of("", "Bearer abc def", "tök", "t\nX-Forged: 1", "t\u0085", "t".repeat(MAX_TOKEN_CHARS + 1))) {
            cases.add(new Refused(
                    "token '" + shown(token) + "'",
                    List.of("otel", "authToken"),
                    "otel.authToken is required: 1 to 4096 visible ASCII characters",
                    r -> otel(r).put("authToken", token)));
        }
        for (String label : List.of("", "A B", "-A", "A/B", "A\u001b", "A".repeat(65))) {
            cases.add(new Refused(
                    "app code '" + shown(label) + "'",
                    List.of("otel", "appCode"),
                    "otel.appCode is required: 1 to 64",
                    r -> otel(r).put("appCode", label)));
            cases.add(new Refused(
                    "index '" + shown(label) + "'",
                    List.of("otel", "index"),
                    "otel.index must be 1 to 64",
                    r -> otel(r).put("index", label)));
        }
        for (String key : List.copyOf(RequestRules.RESERVED_ATTRIBUTES)) {
            cases.add(new Refused(
                    "reserved attribute '" + key + "'",
                    List.of("otel", "attributes", key),
                    "may not set",
                    r -> attributes(r).put(key, "x")));
        }
        for (String key : List.of("service.name", "service.version", "service.instance.id", "service.")) {
            cases.add(new Refused(
                    "reserved attribute '" + key + "'",
                    List.of("otel", "attributes", key),
                    "may not set",
                    r -> attributes(r).put(key, "x")));
        }
        for (String key : List.of("1team", "team name", "_team", "team/x", "t".repeat(129), "")) {
            cases.add(new Refused(
                    "attribute key '" + shown(key) + "'",
                    List.of("otel", "attributes", key),
                    "otel.attributes key",
                    r -> attributes(r).put(key, "x")));
        }
        cases.add(new Refused(
                "too many attributes",
                List.of("otel", "attributes"),
                "at most 32 entries",
                r -> IntStream.rangeClosed(0, MAX_ATTRIBUTES)
                        .forEach(i -> attributes(r).put("a" + i, "x"))));
        cases.add(new Refused(
                "an attribute value too long",
                List.of("otel", "attributes", "team"),
                "at most 1024 characters",
                r -> attributes(r).put("team", "v".repeat(MAX_ATTRIBUTE_VALUE_CHARS + 1))));
        cases.add(new Refused(
                "a null attribute value",
                List.of("otel", "attributes", "team"),
                "must be a string",
                r -> attributes(r).putNull("team")));
        for (String endpoint : List.of(
                "https://user:pw@collector.example.com:4318",
                "https://collector.example.com:4318@evil.example.com",
                ALLOWED_ENDPOINT + "?x=1",
                ALLOWED_ENDPOINT + "/v1?x=1",
                ALLOWED_ENDPOINT + "#x",
                "ftp://collector.example.com",
                "collector.example.com:4318",
                "https:///v1")) {
            cases.add(new Refused(
                    "endpoint '" + endpoint + "'",
                    List.of("otel", "endpoint"),
                    "without user info, query or fragment",
                    r -> otel(r).put("endpoint", endpoint)));
        }
        for (String control : List.of("\u0000", "\n", "\u0085", "\u009b", "\u2028", "\u202e", "\u2066")) {
            cases.add(new Refused(
                    "an endpoint with " + shown(control),
                    List.of("otel", "endpoint"),
                    "without control characters",
                    r -> otel(r).put("endpoint", ALLOWED_ENDPOINT + "/v1" + control)));
        }
        cases.add(new Refused(
                "an endpoint too long",
                List.of("otel", "endpoint"),
                "at most 2048 characters",
                r -> otel(r).put("endpoint", ALLOWED_ENDPOINT + "/" + "p".repeat(MAX_ENDPOINT_CHARS))));
        // The program digest.
        for (String digest :
                new String[] {"0a".repeat(32), "sha256:" + "0A".repeat(32), "sha256:abc", "sha512:" + "0a".repeat(64)
                }) {
            cases.add(new Refused(
                    "a program digest " + digest,
                    List.of("programDigest"),
                    "programDigest must be sha256: and 64 lowercase hex digits",
                    r -> r.put("programDigest", digest)));
        }
        // The timeout.
        for (long seconds : new long[] {0, -1, MAX_TIMEOUT_SECONDS + 1L}) {
            cases.add(new Refused(
                    "a timeout of " + seconds + " s",
                    List.of("timeoutSeconds"),
                    "timeoutSeconds must be between 1 and 86400",
                    r -> r.put("timeoutSeconds", seconds)));
        }
        cases.add(new Refused(
                "a timeout beyond any int",
                List.of("timeoutSeconds"),
                "out of range",
                r -> r.put("timeoutSeconds", BigInteger.TEN.pow(20))));
        cases.add(new Refused(
                "a fractional timeout", List.of("timeoutSeconds"), "whole number", r -> r.put("timeoutSeconds", 1.5)));
        cases.add(new Refused(
                "a timeout as text",
                List.of("timeoutSeconds"),
                "has the wrong type",
                r -> r.put("timeoutSeconds", "60")));
        cases.add(new Refused(
                "a timeout that is true",
                List.of("timeoutSeconds"),
                "has the wrong type",
                r -> r.put("timeoutSeconds", true)));
        return cases;
    }

    /** {@code text} for a test's name: code points for what is not visible, long runs cut. */
    static String shown(String text) {
        StringBuilder shown = new StringBuilder();
        text.codePoints()
                .limit(24)
                .forEach(c -> shown.append(
                        c > 0x20 && c < 0x7F || Character.isLetterOrDigit(c)
                                ? Character.toString(c)
                                : String.format("U+%04X", c)));
        return text.length() > 24 ? shown + "…(" + text.length() + " chars)" : shown.toString();
    }
}
