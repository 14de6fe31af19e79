package dev.provisioner.completion;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.provisioner.Channels;
import dev.provisioner.contract.Completion;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Publishes completions; the returned {@code Uni} completes when the broker has the message. */
@ApplicationScoped
public class CompletionProducer {

    private final MutinyEmitter<String> completions;
    private final ObjectMapper mapper;

    public CompletionProducer(@Channel(Channels.COMPLETIONS) MutinyEmitter<String> completions, ObjectMapper mapper) {
        this.completions = completions;
        this.mapper = mapper;
    }

    /** Sends one completion keyed {@code key}; fails when the broker does not take it. */
    public Uni<Void> publish(String key, Completion completion) {
        String json;
        try {
            json = mapper.writeValueAsString(completion);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        var headers = new RecordHeaders();
        if (completion.requestId() != null) {
            headers.add(Channels.REQUEST_ID_HEADER, completion.requestId().getBytes(StandardCharsets.UTF_8));
        }
        var metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(key)
                .withHeaders(headers)
                .build();
        return completions.sendMessage(Message.of(json).addMetadata(metadata));
    }
}
