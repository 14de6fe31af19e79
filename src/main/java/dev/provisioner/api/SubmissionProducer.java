package dev.provisioner.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioner.Channels;
import dev.provisioner.contract.ProvisioningRequest;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Publishes what REST clients submit to the topics every replica reads, so a request submitted here runs
 * wherever the intake gives it, exactly as one a Kafka producer sent. Each {@code Uni} completes when
 * the broker has the record.
 */
@Singleton
final class SubmissionProducer {

    private final MutinyEmitter<String> requests;
    private final MutinyEmitter<String> cancellations;
    private final ObjectMapper mapper;

    SubmissionProducer(
            @Channel(Channels.SUBMITTED_REQUESTS) MutinyEmitter<String> requests,
            @Channel(Channels.SUBMITTED_CANCELLATIONS) MutinyEmitter<String> cancellations,
            ObjectMapper mapper) {
        this.requests = requests;
        this.cancellations = cancellations;
        this.mapper = mapper;
    }

    /** The request as it was posted (it was valid), keyed {@code project/stack}. */
    Uni<Void> request(ProvisioningRequest request, String payload) {
        return requests.sendMessage(Message.of(payload).addMetadata(keyed(request.key())));
    }

    /** A cancellation in the contract of the cancellations topic, keyed like the request. */
    Uni<Void> cancellation(String key, String requestId, String requestedBy, String reason) {
        ObjectNode cancel =
                mapper.createObjectNode().put("requestId", requestId).put("requestedBy", requestedBy);
        if (reason != null && !reason.isBlank()) {
            cancel.put("reason", reason);
        }
        return cancellations.sendMessage(Message.of(cancel.toString()).addMetadata(keyed(key)));
    }

    private static OutgoingKafkaRecordMetadata<String> keyed(String key) {
        return OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build();
    }
}
