package dev.provisioner.run;

import dev.provisioner.contract.Completion;
import dev.provisioner.contract.ProvisioningRequest;
import dev.provisioner.event.EngineEvent;
import dev.provisioner.event.RunSink;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
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

    /** Where a request is; once {@code FINISHED}, its completion says how it ended. */
    enum Phase {
        QUEUED,
        RUNNING,
        FINISHED
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
     * @param status {@code queued}, {@code running}, or how it ended ({@link Completion.Status#wireName()})
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
            String status,
            Instant queuedAt,
            Instant startedAt,
            Instant finishedAt,
            Map<String, Integer> resourceChanges,
            long events,
            Completion completion) {

        public boolean finished() {
            return completion != null;
        }
    }

    private final Clock clock;
    private final QueuedPerStack queued;
    private final int maxRuns;
    private final int maxEvents;
    private final LinkedHashMap<String, JournaledRequest> runs = new LinkedHashMap<>();

    public RunJournal(Clock clock, MeterRegistry meters, RunsConfig config) {
        this.clock = clock;
        this.queued = new QueuedPerStack(meters);
        this.maxRuns = config.journalSize();
        this.maxEvents = config.journalEvents();
    }

    /**
     * A request this replica is about to run. One that finished before is delivered again: its new
     * attempt starts afresh.
     */
    public synchronized void queued(ProvisioningRequest request) {
        JournaledRequest known = runs.get(request.requestId());
        if (known != null && known.phase != Phase.FINISHED) {
            return;
        }
        if (known != null) {
            runs.remove(request.requestId());
        }
        add(new JournaledRequest(request, clock.instant(), maxEvents));
    }

    /** A request submitted over the API: recorded as queued unless its id is known already. */
    public synchronized Match submitted(ProvisioningRequest request) {
        JournaledRequest known = runs.get(request.requestId());
        if (known == null) {
            add(new JournaledRequest(request, clock.instant(), maxEvents));
            return Match.NEW;
        }
        return known.matches(request) ? Match.SAME : Match.DIFFERENT;
    }

    /** Forgets a submitted request that could not be published. */
    public synchronized void withdrawn(String requestId) {
        JournaledRequest run = runs.get(requestId);
        if (run != null && run.phase == Phase.QUEUED && run.startedAt == null) {
            move(run, null);
            runs.remove(requestId);
            run.followers.end();
        }
    }

    /** The request's engine has started. */
    synchronized void running(String requestId) {
        JournaledRequest run = runs.get(requestId);
        if (run != null) {
            move(run, Phase.RUNNING);
            run.startedAt = clock.instant();
        }
    }

    /** The sink that adds a running request's engine events and hands them to its followers. */
    RunSink sink(String requestId) {
        return event -> append(requestId, event);
    }

    /**
     * Adds an engine event of a running request and hands it to its followers. Never blocks and never
     * throws: the run's other sinks must not notice the journal.
     */
    void append(String requestId, EngineEvent event) {
        try {
            synchronized (this) {
                JournaledRequest run = runs.get(requestId);
                if (run != null && run.phase == Phase.RUNNING) {
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
        JournaledRequest run = runs.get(completion.requestId());
        if (run == null) {
            run = new JournaledRequest(completion);
            add(run);
        }
        move(run, Phase.FINISHED);
        run.completion = completion;
        run.followers.end();
        evict();
    }

    /**
     * A completion read from the completions topic: it tells this replica how a request ended that
     * another replica ran. What this replica runs itself it knows first hand.
     */
    public synchronized void finishedElsewhere(Completion completion) {
        JournaledRequest run = completion.requestId() == null ? null : runs.get(completion.requestId());
        if (run == null || run.phase == Phase.QUEUED) {
            finished(completion);
        }
    }

    /**
     * The request goes back to be delivered again without a completion (the service stopped it, or the
     * broker did not take its records): queued again, its followers let go.
     */
    synchronized void interrupted(String requestId) {
        JournaledRequest run = runs.get(requestId);
        if (run != null && run.phase != Phase.FINISHED) {
            move(run, Phase.QUEUED);
            run.restart();
        }
    }

    /** What the journal knows of a request now. */
    public synchronized Optional<Entry> find(String requestId) {
        return Optional.ofNullable(runs.get(requestId)).map(JournaledRequest::entry);
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
        JournaledRequest run = runs.get(requestId);
        if (run == null) {
            follower.complete();
            return;
        }
        run.events.forEach(follower::emit);
        if (run.phase == Phase.FINISHED) {
            follower.complete();
            return;
        }
        run.followers.add(follower);
        follower.onTermination(() -> unfollow(run, follower));
    }

    private synchronized void unfollow(JournaledRequest run, MultiEmitter<? super EngineEvent> follower) {
        run.followers.remove(follower);
    }

    private void add(JournaledRequest run) {
        runs.put(run.requestId, run);
        if (run.phase == Phase.QUEUED) {
            queued.add(run.project, run.stack, 1);
        }
        evict();
    }

    /** Changes a request's phase, keeping the queued-per-stack gauge true; {@code null}: forgotten. */
    private void move(JournaledRequest run, Phase to) {
        if (run.phase == Phase.QUEUED) {
            queued.add(run.project, run.stack, -1);
        }
        if (to == Phase.QUEUED) {
            queued.add(run.project, run.stack, 1);
        }
        run.phase = to;
    }

    private void evict() {
        Iterator<JournaledRequest> oldestFirst = runs.values().iterator();
        while (runs.size() > maxRuns && oldestFirst.hasNext()) {
            if (oldestFirst.next().phase == Phase.FINISHED) {
                oldestFirst.remove();
            }
        }
    }
}
