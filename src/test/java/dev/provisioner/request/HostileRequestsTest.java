package dev.provisioner.request;

import static dev.provisioner.support.Requests.awaitCompletion;
import static dev.provisioner.support.Requests.request;
import static dev.provisioner.support.Requests.send;
import static dev.provisioner.support.Requests.withOtel;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioner.completion.DeadLetterProducer;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.listener.RequestConsumer;
import dev.provisioner.support.RealParts;
import dev.provisioner.support.Requests;
import dev.provisioner.support.Schemas;
import dev.provisioner.support.Topics;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A corpus of hostile requests on the real broker: each one gets its reason on the dead-letter topic and a
 * {@code rejected} completion, nothing runs, nothing the service writes or logs carries a control
 * character from them, what it keeps of them is bounded, and the next good request still runs.
 */
@QuarkusTest
@RealParts
class HostileRequestsTest {

    private static final Path SERVICE_LOG = Path.of("target/provisioner-test.log");
    private static final int MEBIBYTE = 1024 * 1024;
    private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x1F\\x7F-\\x9F\\u2028\\u2029\\u202A-\\u202E]");

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

    private static List<Hostile> corpus() {
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
        return corpus;
    }

    @Test
    void everyHostileRequestIsRejectedWithItsReasonAndTheNextGoodOneRuns() throws Exception {
        List<Hostile> corpus = corpus();
        for (Hostile hostile : corpus) {
            Topics.sendBytes(hostile.key(), hostile.payload());
        }
        var good = request("up", "hostile", "after", StashDemoProgram.NAME);
        good.with("config").put("count", "1");
        JsonNode done = awaitCompletion(send(good));
        List<ConsumerRecord<String, String>> completions = Topics.awaitRecords(
                Topics.COMPLETIONS,
                Requests.RUN_TIMEOUT,
                all -> corpus.stream()
                        .allMatch(h -> all.stream().anyMatch(r -> Objects.equals(h.outputKey(), r.key()))));

        assertThat(done.get("status").asText()).isEqualTo("succeeded");
        List<ConsumerRecord<String, String>> dlq = Topics.read(Topics.DLQ);
        List<ConsumerRecord<String, String>> audit = Topics.read(Topics.AUDIT);
        for (Hostile hostile : corpus) {
            assertThat(dlq)
                    .as("dead letter of %s", hostile.name())
                    .filteredOn(r -> Objects.equals(hostile.outputKey(), r.key()))
                    .singleElement()
                    .satisfies(r -> {
                        String reason = Topics.header(r, "dead-letter-reason");
                        assertThat(reason).contains(hostile.reason());
                        assertThat(CONTROL.matcher(reason).find())
                                .as("a control character in " + reason)
                                .isFalse();
                        assertThat(sizeOf(r)).as("the dead letter's size").isLessThan(MEBIBYTE);
                    });
            assertThat(completions)
                    .as("completion of %s", hostile.name())
                    .filteredOn(r -> Objects.equals(hostile.outputKey(), r.key()))
                    .singleElement()
                    .satisfies(r -> {
                        JsonNode completion = Requests.parse(r.value());
                        Schemas.assertValid(Schemas.COMPLETION, completion);
                        assertThat(completion.get("status").asText()).isEqualTo("rejected");
                        assertThat(completion.at("/error/message").asText()).contains(hostile.reason());
                    });
            // The audit record keeps the request's key as it came, none included.
            assertThat(audit)
                    .as("nothing ran for %s", hostile.name())
                    .filteredOn(r -> Objects.equals(hostile.outputKey(), r.key()))
                    .extracting(r -> Topics.header(r, "ce_type"))
                    .containsExactly("dev.provisioner.run.rejected");
        }
        assertThat(dlq)
                .filteredOn(r -> "hostile/ten-megabytes".equals(r.key()))
                .singleElement()
                .satisfies(r -> assertThat(Topics.header(r, DeadLetterProducer.TRUNCATED_HEADER))
                        .matches("the first \\d+ of \\d{8} bytes are kept, the rest was cut"));
        assertThat(dlq)
                .filteredOn(r -> r.key() != null && r.key().startsWith("hostile/"))
                .allSatisfy(r -> assertThat(r.value()).doesNotContain("ttttt", "abc def"));
        assertThat(dlq)
                .filteredOn(r -> "hostile/malformed".equals(r.key()))
                .singleElement()
                .satisfies(r -> assertThat(r.value()).isEqualTo(corpus.get(0).payloadText()));
        // Logged once the completion is out.
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> Files.readString(SERVICE_LOG).contains("(key hostile/?[31mkey?[0m?FORGED-KEY)"));
        String log = Files.readString(SERVICE_LOG);
        assertThat(log).doesNotContain("\u0000", "\u001b", "\u009b", "\u202E");
        assertThat(log.lines()).noneMatch(line -> line.startsWith("FORGED"));
    }

    /** A request that is valid but for what {@code spoil} does to it. */
    private static String valid(String name, java.util.function.Consumer<ObjectNode> spoil) {
        ObjectNode request = request("up", "hostile", name, StashDemoProgram.NAME);
        spoil.accept(request);
        return request.toString();
    }

    private static byte[] bytes(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    private static long sizeOf(ConsumerRecord<String, String> record) {
        long size = record.serializedKeySize() + Math.max(0, record.serializedValueSize());
        for (Header header : record.headers()) {
            size += header.key().length() + header.value().length;
        }
        return size;
    }
}
