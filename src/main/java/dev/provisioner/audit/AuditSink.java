package dev.provisioner.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.provisioner.Channels;
import dev.provisioner.contract.ProvisioningRequest;
import dev.provisioner.event.EngineEvent;
import dev.provisioner.event.EngineEvents;
import dev.provisioner.event.RunSink;
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
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Writes the audit trail: every engine event of a run and its lifecycle (accepted, started, completed,
 * rejected, cancelled) as CloudEvents on {@code provisioning.audit}, keyed {@code project/stack}. Every
 * send is awaited: a record counts once the broker has acknowledged it. The idempotent producer resends a
 * record through a broker outage without duplicating or reordering it; a record it finally gives up on
 * leaves the trail incomplete, and the run's completion says so.
 *
 * <p>SmallRye makes and configures the audit channel's producer ({@code mp.messaging.outgoing.audit.*}) and
 * watches it (health, metrics); a rejection, a record of its own, goes through the channel. A run's trail is
 * written through that same producer directly: one Message per engine event cost three times the
 * producer's own work (context propagation, thread hand-offs and metadata on every record; see the
 * benchmark), and a trail is ordered by one lock around numbering and sending rather than by a queue. The
 * CloudEvents headers are written here, in Kafka binary mode, for both paths alike.
 */
@ApplicationScoped
public class AuditSink {

    private static final Logger LOG = Logger.getLogger(AuditSink.class);

    /** The CloudEvents type prefix; an engine event's type is this plus its kind, e.g. {@code resource.pre}. */
    public static final String TYPE_PREFIX = "dev.provisioner.";

    /** Lifecycle records are {@code dev.provisioner.run.<phase>}. */
    public static final String LIFECYCLE_PREFIX = TYPE_PREFIX + "run.";

    /** Hex digits of an attempt's id: 32 random bits, for the few attempts one request has. */
    static final int ATTEMPT_CHARS = 8;

    private final MutinyEmitter<String> channel;
    private final KafkaClientService clients;
    private final String topic;
    private final ObjectMapper mapper;
    private final AuditConfig config;
    private final Clock clock;
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
            MeterRegistry meters) {
        this.channel = channel;
        this.clients = clients;
        this.topic = topic;
        this.mapper = mapper;
        this.config = config;
        this.clock = clock;
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

    /** Counts what became of one record. */
    private void answered(Throwable failure) {
        if (failure == null) {
            published.increment();
        } else {
            failed.increment();
        }
    }

    /**
     * Records that a request was rejected before it could run.
     *
     * @param id a stable id: the request id when the payload had a readable one, else where the
     *     payload was read (topic, partition, offset)
     * @param key the record's key as it came
     */
    public Uni<Void> rejected(String id, String key, String reason) {
        String data = mapper.createObjectNode()
                .put("phase", "rejected")
                .put("reason", reason)
                .toString();
        Headers headers = new CloudEventHeaders(config.source(), key == null ? "" : key)
                .of(id + ":rejected", LIFECYCLE_PREFIX + "rejected", null, clock.instant(), 0);
        var kafka = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(key)
                .withHeaders(headers)
                .build();
        return channel.sendMessage(Message.of(data).addMetadata(kafka))
                .onItemOrFailure()
                .invoke((ok, failure) -> answered(failure));
    }

    /** Opens the trail of one request. */
    public Trail open(ProvisioningRequest request) {
        return new Trail(request);
    }

    /**
     * The records of one attempt at a request, numbered in the order they are written ({@code ce_sequence}).
     * A request runs again after a crash or a shutdown cut it short, and the engine numbers its events from 0
     * again: the attempt in every {@code ce_id} ({@code <requestId>:<attempt>:engine:<sequence>},
     * {@code <requestId>:<attempt>:<phase>}) and payload keeps each record's id its own.
     */
    public final class Trail {
        private final String requestId;
        private final String attempt;
        /** {@code <requestId>:<attempt>:}, the start of every {@code ce_id} of the trail. */
        private final String idPrefix;

        private final String key;
        private final CloudEventHeaders headers;
        /** What every record of the trail starts with. */
        private final RequestContext context;

        /** Held while a record is numbered and handed to the producer: the topic keeps the numbers' order. */
        private final Object order = new Object();

        private long sequence;
        private final AtomicLong acknowledged = new AtomicLong();
        private final AtomicLong failed = new AtomicLong();
        /** Records sent without waiting for them (not strict), each done when it has its answer. */
        private final List<CompletableFuture<Void>> unawaited = new CopyOnWriteArrayList<>();

        private Trail(ProvisioningRequest request) {
            this.requestId = request.requestId();
            this.attempt = UUID.randomUUID().toString().substring(0, ATTEMPT_CHARS);
            this.idPrefix = requestId + ":" + attempt + ":";
            this.key = request.key();
            this.headers =
                    new CloudEventHeaders(config.source() + "/" + request.project() + "/" + request.stack(), key);
            this.context = new RequestContext(
                    request.requestId(),
                    attempt,
                    request.requestedBy(),
                    request.operation() == null ? null : request.operation().cliName(),
                    request.project(),
                    request.stack(),
                    request.program());
        }

        /** This attempt's id: random, {@value #ATTEMPT_CHARS} hex digits. */
        public String attempt() {
            return attempt;
        }

        /** Records acknowledged by the broker so far. */
        public long acknowledged() {
            return acknowledged.get();
        }

        /** Whether no record of the trail has failed so far. */
        public boolean intact() {
            return failed.get() == 0;
        }

        /**
         * Writes a lifecycle record; {@code details} (a JSON-serializable value, may be null) goes into
         * its payload as {@code details}. The record is sent at once; the returned {@code Uni} completes
         * when the broker has acknowledged it, and fails when it does not take it.
         */
        public Uni<Void> lifecycle(String phase, Object details) {
            String data = json(new LifecycleRecord(context, phase, details));
            CompletableFuture<Void> answer = new CompletableFuture<>();
            send(idPrefix + phase, LIFECYCLE_PREFIX + phase, null, data, failure -> {
                if (failure == null) {
                    answer.complete(null);
                } else {
                    answer.completeExceptionally(failure);
                }
            });
            return Uni.createFrom().completionStage(answer);
        }

        /**
         * Writes a lifecycle record a run must not start without. Strict ({@link AuditConfig#strict()}), the
         * returned {@code Uni} completes when the broker has the record, and fails when it does not take
         * it. Otherwise it completes at once, and {@link #settled()} waits for the record's answer.
         */
        public Uni<Void> gate(String phase, Object details) {
            if (config.strict()) {
                return lifecycle(phase, details);
            }
            post(phase, details);
            return Uni.createFrom().voidItem();
        }

        /**
         * Writes a lifecycle record without waiting for it: {@link #settled()} waits for its answer, and a
         * failure shows in {@link #intact()}.
         */
        public void post(String phase, Object details) {
            unawaited.add(
                    lifecycle(phase, details).onFailure().recoverWithNull().subscribeAsCompletionStage());
        }

        /** Completes when every record sent by {@link #gate} or {@link #post} has its answer from the broker. */
        public Uni<Void> settled() {
            return Uni.createFrom()
                    .completionStage(CompletableFuture.allOf(unawaited.toArray(CompletableFuture[]::new)));
        }

        /**
         * The sink of the run's engine events: it writes each in order, as it comes, at most
         * {@link AuditConfig#maxInFlight()} awaiting their acknowledgement at once (past it, the events wait),
         * and is drained when each has its answer. A record the broker does not take is counted (see
         * {@link #intact()}), and the next ones are still written.
         */
        public RunSink events() {
            InFlight inFlight = new InFlight(config.maxInFlight());
            return new RunSink() {
                @Override
                public void accept(EngineEvent event) {
                    inFlight.enter();
                    send(
                            idPrefix + "engine:" + event.sequence(),
                            TYPE_PREFIX + event.name(),
                            subjectOf(event),
                            json(new EventRecord(context, event.json())),
                            failure -> inFlight.leave());
                }

                @Override
                public CompletionStage<Void> drained() {
                    return inFlight.drained();
                }
            };
        }

        /**
         * Numbers one record and hands it to the producer; {@code then} hears the broker's answer (null when
         * it acknowledged the record) on the producer's I/O thread, so it must not block or send.
         */
        private void send(String id, String type, String subject, String data, Consumer<Exception> then) {
            Callback callback = (metadata, failure) -> {
                answered(failure);
                if (failure == null) {
                    acknowledged.incrementAndGet();
                } else if (failed.getAndIncrement() == 0) {
                    LOG.errorf("audit trail of request %s is incomplete: %s not written: %s", requestId, id, failure);
                }
                then.accept(failure);
            };
            synchronized (order) {
                Headers record = headers.of(id, type, subject, clock.instant(), sequence++);
                try {
                    producer.send(new ProducerRecord<>(topic, null, key, data, record), callback);
                } catch (RuntimeException e) {
                    // Closed, interrupted or a record it cannot take at all: the answer is this.
                    callback.onCompletion(null, e);
                }
            }
        }
    }

    private String json(Object record) {
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
            String program) {}

    /** An engine event, exactly as the engine sent it (secret values masked), in its request's context. */
    record EventRecord(@JsonUnwrapped RequestContext context, JsonNode event) {}

    /** A step in the life of a request; {@code details} is any JSON value, null included. */
    record LifecycleRecord(
            @JsonUnwrapped RequestContext context,
            String phase,
            @JsonInclude(JsonInclude.Include.ALWAYS) Object details) {}

    /** A run's event records sent and not answered yet, at most a given number. */
    private static final class InFlight {
        private final int limit;
        private final Semaphore room;
        /** Set once no more records will be sent. */
        private volatile boolean ended;

        private final CompletableFuture<Void> drained = new CompletableFuture<>();

        InFlight(int limit) {
            this.limit = limit;
            this.room = new Semaphore(limit);
        }

        /** Waits for room for one more record: for the broker to answer an earlier one. */
        void enter() {
            room.acquireUninterruptibly();
        }

        /** One record has its answer. */
        void leave() {
            room.release();
            completeIfDrained();
        }

        /** Completes once every record sent has its answer; call when no more will be sent. */
        CompletableFuture<Void> drained() {
            ended = true;
            completeIfDrained();
            return drained;
        }

        private void completeIfDrained() {
            if (ended && room.availablePermits() == limit) {
                drained.complete(null);
            }
        }
    }

    private static String subjectOf(EngineEvent event) {
        String urn = EngineEvents.urnOf(event);
        return urn.isEmpty() ? null : urn;
    }
}
