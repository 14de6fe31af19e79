package dev.provisioner.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.provisioner.Channels;
import dev.provisioner.contract.Completion;
import dev.provisioner.contract.ProvisioningRequest;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaProducer;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Headers;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Writes the audit trail: every engine event of a run and its lifecycle (accepted, started, completed,
 * rejected, cancelled) as CloudEvents on {@code provisioning.audit}, keyed {@code project/stack}, each a
 * link in its key's hash chain (README, "The audit chain"), the record that ends a request signed. Every send
 * is awaited: a record counts once the broker has acknowledged it. The idempotent producer resends a record
 * through a broker outage without duplicating or reordering it; a record it finally gives up on leaves the
 * trail incomplete, and the run's completion says so.
 *
 * <p>SmallRye makes and configures the audit channel's producer ({@code mp.messaging.outgoing.audit.*}) and
 * watches it (health, metrics); each key's last checkpoint goes through the channel to the heads topic. The
 * records themselves are written through that same producer directly: one Message per engine event cost
 * three times the producer's own work (context propagation, thread hand-offs and metadata on every record;
 * see the benchmark), and a trail is ordered and linked under one lock rather than by a queue.
 */
@ApplicationScoped
public class AuditSink {

    private static final Logger LOG = Logger.getLogger(AuditSink.class);

    /** The CloudEvents type prefix; an engine event's type is this plus its kind, e.g. {@code resource.pre}. */
    public static final String TYPE_PREFIX = "dev.provisioner.";

    /** Lifecycle records are {@code dev.provisioner.run.<phase>}. */
    public static final String LIFECYCLE_PREFIX = TYPE_PREFIX + "run.";

    private final MutinyEmitter<String> channel;
    private final KafkaClientService clients;
    private final String topic;
    private final ObjectMapper mapper;
    private final AuditConfig config;
    private final Clock clock;
    private final CheckpointSigner signer;
    private final ChainHeads heads;
    private final LongAdder published = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private volatile Producer<String, String> producer;

    public AuditSink(
            @Channel(Channels.AUDIT) MutinyEmitter<String> channel,
            KafkaClientService clients,
            @ConfigProperty(name = "mp.messaging.outgoing." + Channels.AUDIT + ".topic") String topic,
            ObjectMapper mapper,
            AuditConfig config,
            Clock clock,
            CheckpointSigner signer,
            ChainHeads heads,
            MeterRegistry meters) {
        this.channel = channel;
        this.clients = clients;
        this.topic = topic;
        this.mapper = mapper;
        this.config = config;
        this.clock = clock;
        this.signer = signer;
        this.heads = heads;
        records(meters, "published", published);
        records(meters, "failed", failed);
    }

    /**
     * Counts records as they are answered, on the producer's I/O thread; the registry reads the count when it
     * is scraped (a counter's increment costs a fifth of that thread's time at full speed: exemplars).
     */
    private static void records(MeterRegistry meters, String outcome, LongAdder count) {
        FunctionCounter.builder("provisioner.audit.records", count, LongAdder::sum)
                .description("Audit records sent, by whether the broker acknowledged them")
                .tag("outcome", outcome)
                .register(meters);
    }

    /**
     * Takes the audit channel's producer once SmallRye has made it, and asks for the topic's partitions
     * without waiting for them: a producer that knows them buffers records through a later outage, where one
     * that does not holds each sender until they come ({@code max.block.ms}).
     */
    void start(@Observes StartupEvent started) {
        KafkaProducer<String, String> channelProducer = clients.getProducer(Channels.AUDIT);
        producer = channelProducer.unwrap();
        channelProducer
                .partitionsFor(topic)
                .subscribe()
                .with(partitions -> {}, failure -> LOG.warnf("audit topic %s not known yet: %s", topic, failure));
    }

    /**
     * Opens the trail of one request, linked to the end of its stack's chain.
     *
     * @throws IllegalStateException strict, when the chain's head cannot be read from the topics: nothing may
     *     run that the trail cannot hold
     */
    public AuditTrail open(ProvisioningRequest request) {
        return open(request, null);
    }

    /**
     * Opens the trail of a request whose program is identified by {@code programDigest} (README, "Program
     * identity"): every record of the trail carries it.
     *
     * @throws IllegalStateException strict, when the chain's head cannot be read from the topics
     */
    public AuditTrail open(ProvisioningRequest request, String programDigest) {
        String source = config.source() + "/" + request.project() + "/" + request.stack();
        return new AuditTrail(this, request, programDigest, source, chainOf(request.key()));
    }

    /**
     * Records that a request was rejected before it could run: a checkpoint of the chain of the record's key
     * (a record without a key is a chain of its own).
     *
     * @param id a stable id: the request id when the payload had a readable one, else where the payload was
     *     read (topic, partition, offset)
     * @param key the record's key as it came; a key of a replica's chain of reads ({@link ReadsTrail}) is not
     *     written, so that chain keeps its one writer
     * @return the record's receipt, once the broker has it
     */
    public Uni<Completion.Receipt> rejected(String id, String key, String reason) {
        if (key != null && key.startsWith(ReadsTrail.KEY_PREFIX)) {
            // A replica's chain of reads has one writer, that replica: such a record is written without its key.
            key = null;
        }
        Headers headers = new CloudEventHeaders(config.source(), key == null ? "" : key)
                .of(id + ":rejected", LIFECYCLE_PREFIX + "rejected", null, clock.instant(), 0);
        CompletableFuture<Completion.Receipt> answer = new CompletableFuture<>();
        ChainLinks chain = chainOf(key);
        // These links are this call's own (one record), so no lock: the intake handles a key's records in turn.
        send(key, headers, json(new RejectionRecord("rejected", reason)), chain, Link.CHECKPOINT, (link, failure) -> {
            if (failure == null) {
                answer.complete(link.receipt());
            } else {
                answer.completeExceptionally(failure);
            }
        });
        return Uni.createFrom().completionStage(answer);
    }

    /** Where {@code key}'s chain goes on: after its head on the topics, or, not strict, the best known one. */
    ChainLinks chainOf(String key) {
        if (key == null) {
            return new ChainLinks(null, ChainHeads.Head.NONE, signer);
        }
        try {
            return new ChainLinks(key, heads.find(key), signer);
        } catch (TimeoutException | KafkaException e) {
            if (config.strict()) {
                throw new IllegalStateException("the head of the audit chain of " + key + " cannot be read: " + e, e);
            }
            ChainHeads.Head known = heads.lastAcknowledged(key);
            LOG.warnf(
                    "the head of the audit chain of %s cannot be read (%s); it goes on from chain sequence %d",
                    key, e.getMessage(), known.sequence());
            return new ChainLinks(key, known, signer);
        }
    }

    /**
     * Links one record into {@code chain} and hands it to the producer; {@code then} hears the broker's answer
     * on the producer's I/O thread, so it must not block or send. Callers hold the chain's order.
     */
    void send(String key, Headers headers, String data, ChainLinks chain, Link kind, AuditTrail.Answer then) {
        boolean checkpoint = kind == Link.CHECKPOINT;
        ChainLinks.Link link = chain.link(headers, data.getBytes(StandardCharsets.UTF_8), checkpoint);
        Callback callback = (metadata, failure) -> {
            if (failure == null) {
                published.increment();
                if (key != null) {
                    var head =
                            new ChainHeads.Head(link.sequence(), link.hash(), metadata.partition(), metadata.offset());
                    heads.acknowledged(key, head);
                    if (kind != Link.EVENT) {
                        // Off the producer's I/O thread: a send may wait for room in the producer's buffer.
                        CompletableFuture.runAsync(() -> publishHead(key, head));
                    }
                }
            } else {
                failed.increment();
            }
            then.of(link, failure);
        };
        try {
            producer.send(new ProducerRecord<>(topic, null, key, data, headers), callback);
        } catch (RuntimeException e) {
            // Closed, interrupted or a record it cannot take at all: the answer is this.
            callback.onCompletion(null, e);
        }
    }

    /**
     * The key's head after a lifecycle record, for the next writer of its chain. A key the heads topic does not
     * know has no chain: a head lost between a new chain's first record and this write makes the next writer
     * start the chain again, which a verifier reports (an inserted record), never hides.
     */
    private void publishHead(String key, ChainHeads.Head head) {
        var kafka = OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(config.headsTopic())
                .withKey(key)
                .build();
        channel.sendMessage(Message.of(heads.headsRecord(head)).addMetadata(kafka))
                .subscribe()
                .with(ok -> {}, failure -> LOG.warnf("chain head of %s not written: %s", key, failure));
    }

    Instant now() {
        return clock.instant();
    }

    boolean strict() {
        return config.strict();
    }

    int maxInFlight() {
        return config.maxInFlight();
    }

    String json(Object record) {
        try {
            return mapper.writeValueAsString(record);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("an audit record that cannot be written as JSON: " + e, e);
        }
    }

    /** The request every record of a trail is about (schema {@code audit-record.schema.json}). */
    record RequestContext(
            String requestId,
            String attempt,
            String requestedBy,
            String operation,
            String project,
            String stack,
            String program,
            @JsonInclude(JsonInclude.Include.NON_NULL) String programDigest) {}

    /** An engine event, exactly as the engine sent it (secret values masked), in its request's context. */
    record EventRecord(@JsonUnwrapped RequestContext context, JsonNode event) {}

    /** A step in the life of a request; {@code details} is any JSON value, null included. */
    record LifecycleRecord(
            @JsonUnwrapped RequestContext context,
            String phase,
            @JsonInclude(JsonInclude.Include.ALWAYS) Object details) {}

    /** A request the service will not run, and why. */
    record RejectionRecord(String phase, String reason) {}

    /** What a record is to its chain: a plain link, a lifecycle step (its head is published), or a checkpoint. */
    enum Link {
        EVENT,
        LIFECYCLE,
        CHECKPOINT
    }
}
