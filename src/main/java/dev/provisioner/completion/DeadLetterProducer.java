package dev.provisioner.completion;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioner.Channels;
import dev.provisioner.contract.Rejection;
import dev.provisioner.contract.RequestRules;
import dev.provisioner.contract.Utf8;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Keeps rejected requests on {@code provisioning.requests.dlq}: the payload as it came, but with the auth
 * token and secret config values masked, the reason in {@code dead-letter-reason}, and where it came
 * from in SmallRye's dead-letter headers. A payload too large for a Kafka record of the default size is
 * cut, and {@code dead-letter-truncated} says how much of it is kept.
 */
@ApplicationScoped
public class DeadLetterProducer {

    static final String MASK = "[redacted]";

    /** The header that says a payload was cut, and how much of it is kept. */
    public static final String TRUNCATED_HEADER = "dead-letter-truncated";

    /**
     * The most of a payload kept, in bytes: with its key and headers the record stays under the 1 MiB that
     * producers ({@code max.request.size}) and brokers ({@code message.max.bytes}) accept by default.
     */
    static final int MAX_KEPT_BYTES = 1024 * 1024 - 32 * 1024;

    /**
     * For payloads that are not JSON, or too large to be read as JSON: mask what looks like a token or a
     * secret map all the same, to the end of the text when it is cut short. Possessive quantifiers: a
     * backtracking alternation recurses once per character, and a long token overflowed the stack.
     */
    private static final Pattern TOKEN_TEXT =
            Pattern.compile("(\"authToken\"\\s*+:\\s*+\")(?:[^\"\\\\]|\\\\.?)*+(\"|$)");

    private static final Pattern SECRETS_TEXT =
            Pattern.compile("(\"secretConfig\"\\s*+:\\s*+)\\{(?:[^\"}]|\"(?:[^\"\\\\]|\\\\.?)*+\"?)*+(\\}|$)");

    private final MutinyEmitter<String> deadLetters;
    private final ObjectMapper mapper;

    public DeadLetterProducer(@Channel(Channels.DEAD_LETTERS) MutinyEmitter<String> deadLetters, ObjectMapper mapper) {
        this.deadLetters = deadLetters;
        this.mapper = mapper;
    }

    /** Sends the rejected payload; completes when the broker has it. */
    public Uni<Void> send(Rejection rejection) {
        var headers = new RecordHeaders()
                .add(Channels.REASON_HEADER, bytes(rejection.reason()))
                .add("dead-letter-topic", bytes(rejection.topic()))
                .add("dead-letter-partition", bytes(Integer.toString(rejection.partition())))
                .add("dead-letter-offset", bytes(Long.toString(rejection.offset())));
        if (rejection.requestId() != null) {
            headers.add(Channels.REQUEST_ID_HEADER, bytes(rejection.requestId()));
        }
        // Masked before it is cut: masks can be longer than what they hide.
        String kept = redact(rejection.payload());
        long size = Utf8.length(kept);
        if (size > MAX_KEPT_BYTES) {
            kept = Utf8.prefix(kept, MAX_KEPT_BYTES);
            headers.add(
                    TRUNCATED_HEADER,
                    bytes("the first " + Utf8.length(kept) + " of " + size + " bytes are kept, the rest was cut"));
        }
        var metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(rejection.key())
                .withHeaders(headers)
                .build();
        return deadLetters.sendMessage(Message.of(kept).addMetadata(metadata));
    }

    /** The payload with {@code otel.authToken} and every {@code secretConfig} value masked. */
    String redact(String payload) {
        if (payload == null) {
            return "";
        }
        if (payload.length() > RequestRules.MAX_REQUEST_BYTES) {
            // Not worth a tree in memory: it was refused for its size.
            return redactText(payload);
        }
        try {
            JsonNode tree = mapper.readTree(payload);
            if (tree instanceof ObjectNode request) {
                if (request.get("otel") instanceof ObjectNode otel && otel.has("authToken")) {
                    otel.put("authToken", MASK);
                }
                if (request.get("secretConfig") instanceof ObjectNode secrets) {
                    secrets.fieldNames().forEachRemaining(name -> secrets.put(name, MASK));
                } else if (request.has("secretConfig")) {
                    request.put("secretConfig", MASK);
                }
                return request.toString();
            }
            return payload;
        } catch (JsonProcessingException e) {
            return redactText(payload);
        }
    }

    private static String redactText(String payload) {
        String masked = TOKEN_TEXT.matcher(payload).replaceAll("$1" + MASK + "$2");
        return SECRETS_TEXT.matcher(masked).replaceAll("$1\"" + MASK + "\"");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
