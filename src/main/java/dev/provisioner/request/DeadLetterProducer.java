package dev.provisioner.request;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioner.Channels;
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
 * from in SmallRye's dead-letter headers.
 */
@ApplicationScoped
public class DeadLetterProducer {

    static final String MASK = "[redacted]";

    /** For payloads that are not JSON: mask what looks like a token or a secret map all the same. */
    private static final Pattern TOKEN_TEXT = Pattern.compile("(\"authToken\"\\s*:\\s*\")(?:[^\"\\\\]|\\\\.)*(\")");

    private static final Pattern SECRETS_TEXT = Pattern.compile("(\"secretConfig\"\\s*:\\s*)\\{[^}]*(\\}|$)");

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
        var metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(rejection.key())
                .withHeaders(headers)
                .build();
        return deadLetters.sendMessage(Message.of(redact(rejection.payload())).addMetadata(metadata));
    }

    /** The payload with {@code otel.authToken} and every {@code secretConfig} value masked. */
    String redact(String payload) {
        if (payload == null) {
            return "";
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
            String masked = TOKEN_TEXT.matcher(payload).replaceAll("$1" + MASK + "$2");
            return SECRETS_TEXT.matcher(masked).replaceAll("$1\"" + MASK + "\"");
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
