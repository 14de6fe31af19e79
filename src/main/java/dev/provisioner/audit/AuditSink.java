package dev.provisioner.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioner.Channels;
import dev.provisioner.engine.EngineEvent;
import dev.provisioner.engine.EngineEvents;
import dev.provisioner.request.ProvisioningRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Writes the audit trail: every engine event of a run and its lifecycle (accepted, started, completed,
 * rejected, cancelled) as CloudEvents on {@code provisioning.audit}, keyed {@code project/stack}. Every
 * send is awaited: a record counts once the broker has acknowledged it. The idempotent producer resends a
 * record through a broker outage without duplicating or reordering it; a record it finally gives up on
 * leaves the trail incomplete, and the run's completion says so.
 */
@ApplicationScoped
public class AuditSink {

    private static final Logger LOG = Logger.getLogger(AuditSink.class);

    /** The CloudEvents type prefix; an engine event's type is this plus its kind, e.g. {@code resource.pre}. */
    public static final String TYPE_PREFIX = "dev.provisioner.";

    /** Lifecycle records are {@code dev.provisioner.run.<phase>}. */
    public static final String LIFECYCLE_PREFIX = TYPE_PREFIX + "run.";

    private final MutinyEmitter<String> audit;
    private final ObjectMapper mapper;
    private final AuditConfig config;
    private final Clock clock;
    private final Counter published;
    private final Counter failed;

    public AuditSink(
            @Channel(Channels.AUDIT) MutinyEmitter<String> audit,
            ObjectMapper mapper,
            AuditConfig config,
            Clock clock,
            MeterRegistry meters) {
        this.audit = audit;
        this.mapper = mapper;
        this.config = config;
        this.clock = clock;
        this.published = records(meters, "published");
        this.failed = records(meters, "failed");
    }

    private static Counter records(MeterRegistry meters, String outcome) {
        return Counter.builder("provisioner.audit.records")
                .description("Audit records sent, by whether the broker acknowledged them")
                .tag("outcome", outcome)
                .register(meters);
    }

    /** Sends one record; completes when the broker has acknowledged it, and counts what became of it. */
    private Uni<Void> send(Message<String> record) {
        return audit.sendMessage(record)
                .onItem()
                .invoke(() -> published.increment())
                .onFailure()
                .invoke(() -> failed.increment());
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
        var cloudEvent = OutgoingCloudEventMetadata.<String>builder()
                .withId(id + ":rejected")
                .withType(LIFECYCLE_PREFIX + "rejected")
                .withSource(URI.create(config.source()))
                .withTimestamp(ZonedDateTime.now(clock))
                .withDataContentType("application/json")
                .withExtension("sequence", String.format("%010d", 0))
                .withExtension("partitionkey", key == null ? "" : key)
                .build();
        var kafka = OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build();
        return send(Message.of(data).addMetadata(cloudEvent).addMetadata(kafka));
    }

    /** Opens the trail of one request. */
    public Trail open(ProvisioningRequest request) {
        return new Trail(request);
    }

    /** The records of one request, numbered in the order they are written ({@code ce_sequence}). */
    public final class Trail {
        private final String requestId;
        private final String key;
        private final URI source;
        /** The request context every record starts with, as JSON without its closing brace. */
        private final String contextPrefix;

        private final AtomicLong sequence = new AtomicLong();
        private final AtomicLong acknowledged = new AtomicLong();
        private final AtomicLong failed = new AtomicLong();
        /** Records sent without waiting for them (not strict), each done when it has its answer. */
        private final List<CompletableFuture<Void>> unawaited = new CopyOnWriteArrayList<>();

        private Trail(ProvisioningRequest request) {
            this.requestId = request.requestId();
            this.key = request.key();
            this.source = URI.create(config.source() + "/" + request.project() + "/" + request.stack());
            ObjectNode context = mapper.createObjectNode()
                    .put("requestId", request.requestId())
                    .put("requestedBy", request.requestedBy())
                    .put(
                            "operation",
                            request.operation() == null
                                    ? null
                                    : request.operation().cliName())
                    .put("project", request.project())
                    .put("stack", request.stack())
                    .put("program", request.program());
            String json = context.toString();
            this.contextPrefix = json.substring(0, json.length() - 1);
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
         * its payload as {@code details}.
         */
        public Uni<Void> lifecycle(String phase, Object details) {
            String data =
                    contextPrefix + ",\"phase\":\"" + phase + "\",\"details\":" + mapper.valueToTree(details) + "}";
            return send(requestId + ":" + phase, LIFECYCLE_PREFIX + phase, null, data);
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
         * Writes every event of {@code events} in order, at most {@link AuditConfig#maxInFlight()} awaiting
         * their acknowledgement at once; completes when each has its answer. A record the broker does not
         * take is counted (see {@link #intact()}), and the next ones are still written.
         */
        public Uni<Void> events(Multi<EngineEvent> events) {
            return events.onItem()
                    .transformToUni(event -> event(event).onFailure().recoverWithNull())
                    .merge(config.maxInFlight())
                    .collect()
                    .last()
                    .replaceWithVoid();
        }

        private Uni<Void> event(EngineEvent event) {
            String data = contextPrefix + ",\"event\":" + event.json() + "}";
            return send(requestId + ":engine:" + event.sequence(), TYPE_PREFIX + event.name(), subjectOf(event), data);
        }

        private Uni<Void> send(String id, String type, String subject, String data) {
            var cloudEvent = OutgoingCloudEventMetadata.<String>builder()
                    .withId(id)
                    .withType(type)
                    .withSource(source)
                    .withTimestamp(ZonedDateTime.now(clock))
                    .withDataContentType("application/json")
                    .withExtension("sequence", String.format("%010d", sequence.getAndIncrement()))
                    .withExtension("partitionkey", key);
            if (subject != null) {
                cloudEvent.withSubject(subject);
            }
            var kafka =
                    OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build();
            return AuditSink.this
                    .send(Message.of(data).addMetadata(cloudEvent.build()).addMetadata(kafka))
                    .invoke(acknowledged::incrementAndGet)
                    .onFailure()
                    .invoke(failure -> {
                        if (failed.getAndIncrement() == 0) {
                            LOG.errorf(
                                    "audit trail of request %s is incomplete: %s not written: %s",
                                    requestId, id, failure);
                        }
                    });
        }
    }

    private static String subjectOf(EngineEvent event) {
        String urn = EngineEvents.urnOf(event);
        return urn.isEmpty() ? null : urn;
    }
}
