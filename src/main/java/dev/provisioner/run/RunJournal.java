package dev.provisioner.run;

import dev.provisioner.DaemonThreads;
import dev.provisioner.contract.Completion;
import dev.provisioner.contract.ProvisioningRequest;
import dev.provisioner.event.EngineEvent;
import dev.provisioner.event.RunSink;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 *
 * <p>Requests another replica runs are followed from its audit records ({@link AuditFollower}): accepted makes
 * them queued, started running, each engine event is added as the running replica adds it, and the completion,
 * read from the completions topic, ends them. So every replica answers the same while a request runs, and its
 * event stream carries the same ids. A replica ignores the audit records of the attempts it runs itself: it
 * knows those first hand.
 */
@ApplicationScoped
public class RunJournal {

    private static final Logger LOG = Logger.getLogger(RunJournal.class);

    /** Live events a follower may have waiting, beyond the replayed ones, before it is dropped. */
    static final int FOLLOWER_BACKLOG = 1024;

    /**
     * How long another replica's completion waits for the end of its audit trail, which comes on another topic
     * and may be read later: the events before it are then all in the journal. Past this it applies anyway (a
     * trail that the broker did not take whole never ends).
     */
    static final Duration AUDIT_LAG = Duration.ofSeconds(10);

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
    private final ScheduledExecutorService lagging =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("journal-audit-lag"));

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
            known.local = true;
            return;
        }
        if (known != null) {
            runs.remove(request.requestId());
        }
        JournaledRequest run = new JournaledRequest(request, clock.instant(), maxEvents);
        run.local = true;
        add(run);
    }

    /** The attempt this replica makes at a request it runs: its audit records, read back, are ignored. */
    synchronized void attempt(String requestId, String attempt) {
        JournaledRequest run = runs.get(requestId);
        if (run != null) {
            run.localAttempts.add(attempt);
            run.attempt = attempt;
        }
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
        run.held = null;
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
        } else if (run.phase == Phase.RUNNING && !run.local) {
            if (run.auditEnded) {
                finished(completion);
            } else {
                // The trail's last events may still be on their way: they come on the audit topic.
                run.held = completion;
                lagging.schedule(() -> release(completion), AUDIT_LAG.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    private synchronized void release(Completion held) {
        JournaledRequest run = runs.get(held.requestId());
        if (run != null && run.held == held && run.phase != Phase.FINISHED) {
            finished(held);
        }
    }

    /** Whether {@code attempt} at the request is this replica's own, or this replica's intake holds it now. */
    synchronized boolean ranHere(String requestId, String attempt) {
        JournaledRequest run = runs.get(requestId);
        return run != null && (run.local || run.localAttempts.contains(attempt));
    }

    /** Another replica accepted the request: queued. */
    synchronized void acceptedElsewhere(RemoteRun remote, Instant at) {
        followed(remote, at, true);
    }

    /** Another replica started the request's engine: running since {@code at}. */
    synchronized void startedElsewhere(RemoteRun remote, Instant at) {
        JournaledRequest run = followed(remote, at, false);
        if (run != null && run.phase == Phase.QUEUED) {
            move(run, Phase.RUNNING);
            run.startedAt = at;
        }
    }

    /** An engine event of another replica's run, handed to the followers as the running replica hands it. */
    synchronized void eventElsewhere(RemoteRun remote, EngineEvent event) {
        JournaledRequest run = followed(remote, clock.instant(), false);
        if (run == null || event.sequence() <= run.lastSequence) {
            return;
        }
        if (run.phase == Phase.QUEUED) {
            move(run, Phase.RUNNING);
        }
        run.add(event);
    }

    /** Another replica's attempt wrote its last audit record: its completion, held or still to come, ends it. */
    synchronized void endedElsewhere(RemoteRun remote) {
        JournaledRequest run = runs.get(remote.requestId());
        if (run == null
                || run.local
                || run.phase == Phase.FINISHED
                || !remote.attempt().equals(run.attempt)) {
            return;
        }
        run.auditEnded = true;
        if (run.held != null) {
            finished(run.held);
        }
    }

    /**
     * The entry an audit record of another replica's attempt updates, made when the journal does not know the
     * request; null when the record is not news. A new attempt (the request was cut short and delivered again)
     * begins with its {@code accepted} record and starts afresh, as it does on the replica that runs it: the followers of the attempt before are let go.
     */
    private JournaledRequest followed(RemoteRun remote, Instant at, boolean accepted) {
        JournaledRequest run = runs.get(remote.requestId());
        if (run == null) {
            run = new JournaledRequest(remote, at, maxEvents);
            add(run);
            return run;
        }
        if (run.local || run.localAttempts.contains(remote.attempt())) {
            return null;
        }
        if (remote.attempt().equals(run.attempt)) {
            return run.phase == Phase.FINISHED ? null : run;
        }
        if (run.attempt != null && !accepted) {
            return null; // an attempt begins with its accepted record: this one is over
        }
        if (run.phase == Phase.FINISHED && run.attempt == null) {
            return null; // known from its completion, which may be read before the audit records that led to it
        }
        if (run.phase == Phase.FINISHED) {
            runs.remove(run.requestId);
            run = new JournaledRequest(remote, at, maxEvents);
            add(run);
            return run;
        }
        if (run.attempt != null) {
            move(run, Phase.QUEUED);
            run.restart();
        }
        run.attempt = remote.attempt();
        return run;
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
            run.local = false;
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

    @PreDestroy
    void stop() {
        lagging.shutdownNow();
    }
}
