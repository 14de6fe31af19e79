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
import org.jboss.logging.Logger;

/**
 * Reads provisioning requests. Each record is validated, then run to its completion on the
 * {@value #POOL} worker pool; the record is committed after its completion is published.
 * Records with one key ({@code project/stack}) are handled one after another, in order; records with
 * different keys in parallel (see {@code throttled.ordered=key} in the configuration).
 */
@ApplicationScoped
public class RequestConsumer {

    private static final Logger LOG = Logger.getLogger(RequestConsumer.class);

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
    private final PartitionHandover handover;

    public RequestConsumer(
            RequestParser parser,
            Provisioner provisioner,
            Rejections rejections,
            GracefulShutdown shutdown,
            PartitionHandover handover) {
        this.parser = parser;
        this.provisioner = provisioner;
        this.rejections = rejections;
        this.shutdown = shutdown;
        this.handover = handover;
    }

    @Incoming(Channels.REQUESTS)
    @Blocking(value = POOL, ordered = false)
    public void consume(ConsumerRecord<String, String> record) {
        if (handover.doneBefore(record)) {
            LOG.infof(
                    "record %s-%d@%d ran on the partition's previous owner: not run again",
                    record.topic(), record.partition(), record.offset());
            return;
        }
        if (!run(record) && !handover.awaitHandedOver(record)) {
            // The partition did not leave: the channel stops (a nack), and its partitions go to another replica.
            throw RequestLeftForRedelivery.at(record.topic(), record.partition(), record.offset());
        }
        // Else done, or left undone until its partition went: this acknowledgement commits nothing then, and
        // the next owner (another replica, or this one's successor) gets the record.
    }

    /** Runs the record's request to its completion; false when it is left to be delivered again. */
    private boolean run(ConsumerRecord<String, String> record) {
        if (!shutdown.admit()) {
            return false;
        }
        try {
            if (!handover.take(record)) {
                return false;
            }
            boolean done = false;
            try {
                handle(record);
                done = true;
            } catch (RequestLeftForRedelivery e) {
                LOG.info(e.getMessage());
            } finally {
                handover.finish(record, done);
            }
            return done;
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
        handover.runs(record, request.key());
        provisioner.provision(request, program);
    }
}
