package dev.provisioner.audit;

import dev.provisioner.contract.Completion;
import dev.provisioner.contract.ProvisioningRequest;
import dev.provisioner.event.EngineEvent;
import dev.provisioner.event.EngineEvents;
import dev.provisioner.event.RunSink;
import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.header.Headers;
import org.jboss.logging.Logger;

/**
 * The records of one attempt at a request, numbered in the order they are written ({@code ce_sequence}) and
 * linked into their stack's audit chain. A request runs again after a crash or a shutdown cut it short, and
 * the engine numbers its events from 0 again: the attempt in every {@code ce_id}
 * ({@code <requestId>:<attempt>:engine:<sequence>}, {@code <requestId>:<attempt>:<phase>}) and payload keeps
 * each record's id its own.
 */
public final class AuditTrail {

    private static final Logger LOG = Logger.getLogger(AuditTrail.class);

    /** Hex digits of an attempt's id: 32 random bits, for the few attempts one request has. */
    static final int ATTEMPT_CHARS = 8;

    private final AuditSink sink;
    private final String requestId;
    private final String attempt;
    /** {@code <requestId>:<attempt>:}, the start of every {@code ce_id} of the trail. */
    private final String idPrefix;

    private final String key;
    private final CloudEventHeaders headers;
    /** What every record of the trail starts with. */
    private final AuditSink.RequestContext context;

    /** Held while a record is numbered, linked and handed to the producer: the topic keeps their order. */
    private final Object order = new Object();

    private final ChainLinks chain;
    private long sequence;
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    /** Records sent without waiting for them (not strict), each done when it has its answer. */
    private final List<CompletableFuture<Void>> unawaited = new CopyOnWriteArrayList<>();

    AuditTrail(AuditSink sink, ProvisioningRequest request, String programDigest, String source, ChainLinks chain) {
        this.sink = sink;
        this.requestId = request.requestId();
        this.attempt = UUID.randomUUID().toString().substring(0, ATTEMPT_CHARS);
        this.idPrefix = requestId + ":" + attempt + ":";
        this.key = request.key();
        this.headers = new CloudEventHeaders(source, key);
        this.chain = chain;
        this.context = new AuditSink.RequestContext(
                request.requestId(),
                attempt,
                request.requestedBy(),
                request.operation() == null ? null : request.operation().cliName(),
                request.project(),
                request.stack(),
                request.program(),
                programDigest);
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
     * Writes a lifecycle record; {@code details} (a JSON-serializable value, may be null) goes into its
     * payload as {@code details}. The record is sent at once; the returned {@code Uni} completes when the
     * broker has acknowledged it, and fails when it does not take it.
     */
    public Uni<Void> lifecycle(String phase, Object details) {
        CompletableFuture<Void> answer = new CompletableFuture<>();
        lifecycle(phase, details, false, answer);
        return Uni.createFrom().completionStage(answer);
    }

    /**
     * Writes the record that ends the request ({@code completed}, {@code redelivered}, {@code cancelled}): a
     * checkpoint of the chain, signed. The returned {@code Uni} gives its receipt once the broker has
     * acknowledged it, and fails when it does not take it.
     */
    public Uni<Completion.Receipt> checkpoint(String phase, Object details) {
        CompletableFuture<Completion.Receipt> answer = new CompletableFuture<>();
        lifecycle(phase, details, true, answer);
        return Uni.createFrom().completionStage(answer);
    }

    private <T> void lifecycle(String phase, Object details, boolean checkpoint, CompletableFuture<T> answer) {
        String data = sink.json(new AuditSink.LifecycleRecord(context, phase, details));
        var kind = checkpoint ? AuditSink.Link.CHECKPOINT : AuditSink.Link.LIFECYCLE;
        send(idPrefix + phase, AuditSink.LIFECYCLE_PREFIX + phase, null, data, kind, (link, failure) -> {
            if (failure != null) {
                answer.completeExceptionally(failure);
                return;
            }
            @SuppressWarnings("unchecked")
            T value = (T) (checkpoint ? link.receipt() : null);
            answer.complete(value);
        });
    }

    /**
     * Writes a lifecycle record a run must not start without. Strict ({@link AuditConfig#strict()}), the
     * returned {@code Uni} completes when the broker has the record, and fails when it does not take it.
     * Otherwise it completes at once, and {@link #settled()} waits for the record's answer.
     */
    public Uni<Void> gate(String phase, Object details) {
        if (sink.strict()) {
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
        unawaited.add(lifecycle(phase, details).onFailure().recoverWithNull().subscribeAsCompletionStage());
    }

    /** Completes when every record sent by {@link #gate} or {@link #post} has its answer from the broker. */
    public Uni<Void> settled() {
        return Uni.createFrom().completionStage(CompletableFuture.allOf(unawaited.toArray(CompletableFuture[]::new)));
    }

    /**
     * The sink of the run's engine events: it writes each in order, as it comes, at most
     * {@link AuditConfig#maxInFlight()} awaiting their acknowledgement at once (past it, the events wait),
     * and is drained when each has its answer. A record the broker does not take is counted (see
     * {@link #intact()}), and the next ones are still written.
     */
    public RunSink events() {
        InFlight inFlight = new InFlight(sink.maxInFlight());
        return new RunSink() {
            @Override
            public void accept(EngineEvent event) {
                inFlight.enter();
                String urn = EngineEvents.urnOf(event);
                send(
                        idPrefix + "engine:" + event.sequence(),
                        AuditSink.TYPE_PREFIX + event.name(),
                        urn.isEmpty() ? null : urn,
                        sink.json(new AuditSink.EventRecord(context, event.json())),
                        AuditSink.Link.EVENT,
                        (link, failure) -> inFlight.leave());
            }

            @Override
            public CompletionStage<Void> drained() {
                return inFlight.drained();
            }
        };
    }

    /** What a record's sender hears: its link, and null or why the broker did not take it. */
    interface Answer {
        void of(ChainLinks.Link link, Exception failure);
    }

    /**
     * Numbers and links one record and hands it to the producer; {@code then} hears the broker's answer on the
     * producer's I/O thread, so it must not block or send.
     */
    private void send(String id, String type, String subject, String data, AuditSink.Link kind, Answer then) {
        synchronized (order) {
            Headers record = headers.of(id, type, subject, sink.now(), sequence++);
            sink.send(key, record, data, chain, kind, (link, failure) -> {
                if (failure == null) {
                    acknowledged.incrementAndGet();
                } else if (failed.getAndIncrement() == 0) {
                    LOG.errorf("audit trail of request %s is incomplete: %s not written: %s", requestId, id, failure);
                }
                then.of(link, failure);
            });
        }
    }

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
}
