package dev.provisioner.listener;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.provisioner.Channels;
import dev.provisioner.contract.CancelRequest;
import dev.provisioner.contract.RequestRules;
import dev.provisioner.run.Provisioner;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads cancellations: {@code {"requestId": "...", "requestedBy": "...", "reason": "..."}}. Every replica
 * reads every one (a group of its own), so the replica running the request stops it, and a queued request
 * is not run when its turn comes. An unreadable cancellation is logged and skipped.
 */
@ApplicationScoped
public class CancellationConsumer {

    private static final Logger LOG = Logger.getLogger(CancellationConsumer.class);
    private static final int MAX_TEXT = 256;

    private final ObjectMapper mapper;
    private final Provisioner provisioner;

    public CancellationConsumer(ObjectMapper mapper, Provisioner provisioner) {
        this.mapper = mapper;
        this.provisioner = provisioner;
    }

    @Incoming(Channels.CANCELLATIONS)
    @Blocking
    public void consume(ConsumerRecord<String, String> record) {
        JsonNode cancel;
        try {
            cancel = mapper.readTree(record.value() == null ? "" : record.value());
        } catch (JsonProcessingException e) {
            LOG.warnf(
                    "skipped cancellation at %s-%d@%d: not JSON", record.topic(), record.partition(), record.offset());
            return;
        }
        String requestId = cancel.path("requestId").asText("");
        String actor = cancel.path("requestedBy").asText("");
        if (!RequestRules.REQUEST_ID.matcher(requestId).matches() || actor.isBlank() || actor.length() > MAX_TEXT) {
            LOG.warnf(
                    "skipped cancellation at %s-%d@%d: requestId and requestedBy are required",
                    record.topic(), record.partition(), record.offset());
            return;
        }
        String reason = cancel.path("reason").asText(null);
        if (reason != null && reason.length() > MAX_TEXT) {
            reason = reason.substring(0, MAX_TEXT);
        }
        provisioner.cancel(new CancelRequest(requestId, actor, reason, Instant.ofEpochMilli(record.timestamp())));
    }
}
