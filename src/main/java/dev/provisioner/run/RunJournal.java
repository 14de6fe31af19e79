package dev.provisioner.run;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.provisioner.contract.Completion;
import dev.provisioner.contract.ProvisioningRequest;
import dev.provisioner.event.EngineEvent;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * What this replica knows of each request, by request id: where it is (queued, running, how it ended),
 * its timings and resource changes, its completion, and its engine events so far, which followers (the
 * REST API's event streams) get live.
 *
 * <p>Bounded: {@code provisioner.runs.journal-size} requests (the oldest finished ones are forgotten
 * first) and the latest {@code provisioner.runs.journal-events} events of each. Followers never hold a
 * run up: events wait for a follower's reader in a bounded buffer (room for the kept events plus at
 * least {@value #FOLLOWER_BACKLOG}), and a follower whose buffer is full is dropped (its stream fails)
 * while the run and the other followers go on.
 */
@ApplicationScoped
public class RunJournal {

    private static final Logger LOG = Logger.getLogger(RunJournal.class);

    /** Live events a follower may have waiting, beyond the replayed ones, before it is dropped. */
    static final int FOLLOWER_BACKLOG = 1024;

    /** Where a request is. */
    public enum State {
        QUEUED,
        RUNNING,
        SUCCEEDED,
        FAILED,
        CANCELLED,
        REJECTED;

        @JsonValue
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public boolean finished() {
            return this != QUEUED && this != RUNNING;
        }

        static State of(Completion.Status status) {
            return valueOf(status.name());
        }
    }

    /** How a submitted request compares with what the journal holds under its id. */
    public enum Match {
        /** The id was not known: the request is now recorded as queued. */
        NEW,
        /** The same request (same canonical content) is known: submitting it again changes nothing. */
        SAME,
        /** Another request has this id. */
        DIFFERENT
    }

    /**
     * One request as the journal knows it now.
     *
     * @param resourceChanges steps by op: the engine's summary once finished; while running, the steps
     *     done so far
     * @param events engine events seen so far
     * @param completion how it ended; null until then
     */
    public record Entry(
            String requestId,
            String operation,
            String project,
            String stack,
            String requestedBy,
            State state,
            Instant queuedAt,
            Instant startedAt,
            Instant finishedAt,
            Map<String, Integer> resourceChanges,
            long events,
            Completion completion) {}

    /** Sorted keys and map entries: equal requests serialize, and so hash, the same. */
    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private final Clock clock;
    private final MeterRegistry meters;
    private final int maxRuns;
    private final int maxEvents;
    private final LinkedHashMap<String, Run> runs = new LinkedHashMap<>();
    private final Map<String, AtomicInteger> queuedByStack = new HashMap<>();

    public RunJournal(Clock clock, MeterRegistry meters, RunsConfig config) {
        this.clock = clock;
        this.meters = meters;
        this.maxRuns = config.journalSize();
        this.maxEvents = config.journalEvents();
    }

    /**
     * A request this replica is about to run. One that finished before is delivered again: its new
     * attempt starts afresh.
     */
    public synchronized void queued(ProvisioningRequest request) {
        Run known = runs.get(request.requestId());
        if (known != null && !known.state.finished()) {
            return;
        }
        if (known != null) {
            runs.remove(request.requestId());
        }
        add(new Run(request, fingerprint(request)));
    }

    /** A request submitted over the API: recorded as queued unless its id is known already. */
    public synchronized Match submitted(ProvisioningRequest request) {
        Run known = runs.get(request.requestId());
        if (known == null) {
            add(new Run(request, fingerprint(request)));
            return Match.NEW;
        }
        return known.matches(request, fingerprint(request)) ? Match.SAME : Match.DIFFERENT;
    }

    /** Forgets a submitted request that could not be published. */
    public synchronized void withdrawn(String requestId) {
        Run run = runs.get(requestId);
        if (run != null && run.state == State.QUEUED && run.startedAt == null) {
            move(run, null);
            runs.remove(requestId);
            run.endFollowers();
        }
    }

    /** The request's engine has started. */
    synchronized void running(String requestId) {
        Run run = runs.get(requestId);
        if (run != null) {
            move(run, State.RUNNING);
            run.startedAt = clock.instant();
        }
    }

    /**
     * Adds an engine event of a running request and hands it to its followers. Never blocks and never
     * throws: the run's other sinks must not notice the journal.
     */
    void append(String requestId, EngineEvent event) {
        try {
            synchronized (this) {
                Run run = runs.get(requestId);
                if (run != null && run.state == State.RUNNING) {
                    run.add(event);
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("journal of request %s misses event %d: %s", requestId, event.sequence(), e);
        }
    }

    /** How the request ended; its followers' streams complete. */
    public synchronized void finished(Completion completion) {
        if (completion.requestId() == null) {
            return;
        }
        Run run = runs.get(completion.requestId());
        if (run == null) {
            run = new Run(completion);
            add(run);
        }
        move(run, State.of(completion.status()));
        run.completion = completion;
        run.endFollowers();
        evict();
    }

    /**
     * A completion read from the completions topic: it tells this replica how a request ended that
     * another replica ran. What this replica runs itself it knows first hand.
     */
    public synchronized void finishedElsewhere(Completion completion) {
        Run run = completion.requestId() == null ? null : runs.get(completion.requestId());
        if (run == null || run.state == State.QUEUED) {
            finished(completion);
        }
    }

    /**
     * The request goes back to be delivered again without a completion (the service stopped it, or the
     * broker did not take its records): queued again, its followers let go.
     */
    synchronized void interrupted(String requestId) {
        Run run = runs.get(requestId);
        if (run != null && !run.state.finished()) {
            move(run, State.QUEUED);
            run.restart();
        }
    }

    /** What the journal knows of a request now. */
    public synchronized Optional<Entry> find(String requestId) {
        return Optional.ofNullable(runs.get(requestId)).map(Run::entry);
    }

    /**
     * The request's engine events after {@code afterSequence}: those kept so far, then the live ones as
     * they come. Completes when the request has finished (then its completion is in {@link #find}), or
     * has gone back to the queue. A follower whose reader falls too far behind fails at once with a
     * {@code BackPressureFailure}: the slow reader is dropped, nobody else waits.
     *
     * @return empty when the journal does not know the request
     */
    public Optional<Multi<EngineEvent>> follow(String requestId, long afterSequence) {
        synchronized (this) {
            if (!runs.containsKey(requestId)) {
                return Optional.empty();
            }
        }
        return Optional.of(Multi.createFrom()
                .<EngineEvent>emitter(follower -> attach(requestId, follower), BackPressureStrategy.ERROR)
                .onOverflow()
                .buffer(maxEvents + FOLLOWER_BACKLOG)
                .select()
                .where(event -> event.sequence() > afterSequence));
    }

    /** Replays the kept events and registers the follower under one lock: none is missed or seen twice. */
    private synchronized void attach(String requestId, MultiEmitter<? super EngineEvent> follower) {
        Run run = runs.get(requestId);
        if (run == null) {
            follower.complete();
            return;
        }
        run.events.forEach(follower::emit);
        if (run.state.finished()) {
            follower.complete();
            return;
        }
        run.followers.add(follower);
        follower.onTermination(() -> unfollow(run, follower));
    }

    private synchronized void unfollow(Run run, MultiEmitter<? super EngineEvent> follower) {
        run.followers.remove(follower);
    }

    private void add(Run run) {
        runs.put(run.requestId, run);
        if (run.state == State.QUEUED) {
            queuedCount(run).incrementAndGet();
        }
        evict();
    }

    /** Changes a request's state, keeping the queued-per-stack gauge true; {@code null}: forgotten. */
    private void move(Run run, State to) {
        if (run.state == State.QUEUED) {
            queuedCount(run).decrementAndGet();
        }
        if (to == State.QUEUED) {
            queuedCount(run).incrementAndGet();
        }
        run.state = to;
    }

    private AtomicInteger queuedCount(Run run) {
        return queuedByStack.computeIfAbsent(run.project + "/" + run.stack, key -> {
            var count = new AtomicInteger();
            Gauge.builder("provisioner.requests.queued", count, AtomicInteger::get)
                    .description("Requests known to this replica that wait for their run")
                    .tags("project", run.project, "stack", run.stack)
                    .register(meters);
            return count;
        });
    }

    private void evict() {
        Iterator<Run> oldestFirst = runs.values().iterator();
        while (runs.size() > maxRuns && oldestFirst.hasNext()) {
            if (oldestFirst.next().state.finished()) {
                oldestFirst.remove();
            }
        }
    }

    /** The SHA-256 of the request in canonical JSON. */
    private static String fingerprint(ProvisioningRequest request) {
        try {
            byte[] json = CANONICAL.writeValueAsString(request).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot fingerprint request " + request.requestId(), e);
        }
    }

    /** One request; guarded by the journal's lock. */
    private final class Run {
        final String requestId;
        final String operation;
        final String project;
        final String stack;
        final String requestedBy;
        /** Null when the request is known from its completion only. */
        final String fingerprint;

        final Instant queuedAt;
        State state;
        Instant startedAt;
        Map<String, Integer> changes = new TreeMap<>();
        final ArrayDeque<EngineEvent> events = new ArrayDeque<>();
        long eventCount;
        Completion completion;
        final List<MultiEmitter<? super EngineEvent>> followers = new ArrayList<>();

        Run(ProvisioningRequest request, String fingerprint) {
            this.requestId = request.requestId();
            this.operation = request.operation().cliName();
            this.project = request.project();
            this.stack = request.stack();
            this.requestedBy = request.requestedBy();
            this.fingerprint = fingerprint;
            this.queuedAt = clock.instant();
            this.state = State.QUEUED;
        }

        Run(Completion completion) {
            this.requestId = completion.requestId();
            this.operation = completion.operation();
            this.project = completion.project();
            this.stack = completion.stack();
            this.requestedBy = null;
            this.fingerprint = null;
            this.queuedAt = null;
            this.state = State.of(completion.status());
        }

        /**
         * Whether {@code request} is this one. Known from its completion only, the fingerprint is
         * unknown: then the operation and the stack must be the same.
         */
        boolean matches(ProvisioningRequest request, String fingerprint) {
            if (this.fingerprint != null) {
                return this.fingerprint.equals(fingerprint);
            }
            return Objects.equals(operation, request.operation().cliName())
                    && Objects.equals(project, request.project())
                    && Objects.equals(stack, request.stack());
        }

        void add(EngineEvent event) {
            events.addLast(event);
            if (events.size() > maxEvents) {
                events.removeFirst();
            }
            eventCount++;
            if (event instanceof EngineEvent.ResourceOutputs outputs) {
                changes.merge(outputs.metadata().op(), 1, Integer::sum);
            }
            // A copy: a follower that overflows removes itself from the list while it is handed the event.
            for (var follower : List.copyOf(followers)) {
                try {
                    follower.emit(event);
                } catch (RuntimeException e) {
                    follower.fail(e);
                }
            }
        }

        void endFollowers() {
            List.copyOf(followers).forEach(MultiEmitter::complete);
            followers.clear();
        }

        void restart() {
            endFollowers();
            startedAt = null;
            changes = new TreeMap<>();
            events.clear();
            eventCount = 0;
        }

        Entry entry() {
            Completion done = completion;
            return new Entry(
                    requestId,
                    operation,
                    project,
                    stack,
                    requestedBy,
                    state,
                    queuedAt,
                    done != null ? done.startedAt() : startedAt,
                    done != null ? done.finishedAt() : null,
                    done != null ? done.resourceChanges() : Map.copyOf(changes),
                    eventCount,
                    done);
        }
    }
}
