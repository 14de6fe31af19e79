package dev.provisioner.listener;

import dev.provisioner.Channels;
import dev.provisioner.contract.ProvisioningRequest;
import dev.provisioner.contract.Rejection;
import dev.provisioner.engine.PreparedProgram;
import dev.provisioner.request.RequestParser;
import dev.provisioner.request.RequestRejectedException;
import dev.provisioner.run.GracefulShutdown;
import dev.provisioner.run.Provisioner;
import dev.provisioner.run.Rejections;
import dev.provisioner.run.RequestLeftForRedelivery;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Reads provisioning requests. Each record is validated, then run to its completion on the
 * {@value #POOL} worker pool; the record is committed after its completion is published.
 * Records with one key ({@code project/stack}) are handled one after another, in order; records with
 * different keys in parallel (see {@code throttled.ordered=key} in the configuration).
 */
@ApplicationScoped
public class RequestConsumer {

    /** The worker pool runs happen on; its size is {@code provisioner.runs.max-concurrency}. */
    public static final String POOL = "provisioning-runs";

    /**
     * A rejected record's key goes out again (dead letter, audit record, completion): longer keys are cut
     * to this, so that a hostile one cannot make those records too large to send. A valid key
     * ({@code project/stack}) has at most 201 characters.
     */
    public static final int MAX_KEY_CHARS = 256;

    private final RequestParser parser;
    private final Provisioner provisioner;
    private final Rejections rejections;
    private final GracefulShutdown shutdown;

    public RequestConsumer(
            RequestParser parser, Provisioner provisioner, Rejections rejections, GracefulShutdown shutdown) {
        this.parser = parser;
        this.provisioner = provisioner;
        this.rejections = rejections;
        this.shutdown = shutdown;
    }

    @Incoming(Channels.REQUESTS)
    @Blocking(value = POOL, ordered = false)
    public void consume(ConsumerRecord<String, String> record) {
        if (!shutdown.admit()) {
            // Not committed: this replica's successor, or another one, takes it.
            throw RequestLeftForRedelivery.at(record.topic(), record.partition(), record.offset());
        }
        try {
            handle(record);
        } finally {
            shutdown.release();
        }
    }

    private void handle(ConsumerRecord<String, String> record) {
        ProvisioningRequest request;
        PreparedProgram program;
        try {
            request = parser.parse(record.key(), record.value());
            program = parser.program(request);
        } catch (RequestRejectedException e) {
            var readable = e.readable();
            String key = record.key();
            rejections.reject(new Rejection(
                    key == null || key.length() <= MAX_KEY_CHARS ? key : key.substring(0, MAX_KEY_CHARS),
                    record.value(),
                    e.getMessage(),
                    readable.requestId(),
                    readable.operation(),
                    readable.project(),
                    readable.stack(),
                    record.topic(),
                    record.partition(),
                    record.offset()));
            return;
        }
        provisioner.provision(request, program);
    }
}
