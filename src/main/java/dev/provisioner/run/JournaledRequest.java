package dev.provisioner.run;

import dev.provisioner.contract.Completion;
import dev.provisioner.contract.ProvisioningRequest;
import dev.provisioner.event.EngineEvent;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/** One request in the {@link RunJournal}; guarded by the journal's lock. */
final class JournaledRequest {

    final String requestId;
    final String operation;
    final String project;
    final String stack;
    final String requestedBy;
    /** Null when the request is known from its completion only. */
    final String fingerprint;

    final Instant queuedAt;
    /** Events kept, the latest ones. */
    private final int maxEvents;

    RunJournal.Phase phase;
    Instant startedAt;
    Map<String, Integer> changes = new TreeMap<>();
    final ArrayDeque<EngineEvent> events = new ArrayDeque<>();
    long eventCount;
    Completion completion;
    final Followers followers = new Followers();

    /** Whether this replica's intake holds the request now (queued to run here, or running here). */
    boolean local;
    /** The attempt the journal follows; null until one is known. */
    String attempt;
    /** Attempts this replica ran: their audit records, read back, are not news. */
    final Set<String> localAttempts = new HashSet<>(2);
    /** Sequence of the last engine event added in this attempt. */
    long lastSequence = Long.MIN_VALUE;
    /** Another replica's run: its audit trail has its last record, so every event of it has been read. */
    boolean auditEnded;
    /** Another replica's completion, read before the end of its audit trail: applied when the trail ends. */
    Completion held;

    JournaledRequest(ProvisioningRequest request, Instant queuedAt, int maxEvents) {
        this.requestId = request.requestId();
        this.operation = request.operation().cliName();
        this.project = request.project();
        this.stack = request.stack();
        this.requestedBy = request.requestedBy();
        this.fingerprint = request.fingerprint();
        this.queuedAt = queuedAt;
        this.maxEvents = maxEvents;
        this.phase = RunJournal.Phase.QUEUED;
    }

    JournaledRequest(RemoteRun run, Instant queuedAt, int maxEvents) {
        this.requestId = run.requestId();
        this.operation = run.operation();
        this.project = run.project();
        this.stack = run.stack();
        this.requestedBy = run.requestedBy();
        this.fingerprint = null;
        this.queuedAt = queuedAt;
        this.maxEvents = maxEvents;
        this.phase = RunJournal.Phase.QUEUED;
        this.attempt = run.attempt();
    }

    JournaledRequest(Completion completion) {
        this.requestId = completion.requestId();
        this.operation = completion.operation();
        this.project = completion.project();
        this.stack = completion.stack();
        this.requestedBy = null;
        this.fingerprint = null;
        this.queuedAt = null;
        this.maxEvents = 0;
        this.phase = RunJournal.Phase.FINISHED;
    }

    /**
     * Whether {@code request} is this one. Known from its completion or another replica's audit records only,
     * the fingerprint is unknown: then the operation and the stack must be the same.
     */
    boolean matches(ProvisioningRequest request) {
        if (fingerprint != null) {
            return fingerprint.equals(request.fingerprint());
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
        lastSequence = event.sequence();
        if (event instanceof EngineEvent.ResourceOutputs outputs) {
            changes.merge(outputs.metadata().op(), 1, Integer::sum);
        }
        followers.emit(event);
    }

    void restart() {
        followers.end();
        startedAt = null;
        changes = new TreeMap<>();
        events.clear();
        eventCount = 0;
        lastSequence = Long.MIN_VALUE;
        auditEnded = false;
        held = null;
    }

    RunJournal.Entry entry() {
        Completion done = completion;
        return new RunJournal.Entry(
                requestId,
                operation,
                project,
                stack,
                requestedBy,
                status(done),
                queuedAt,
                done != null ? done.startedAt() : startedAt,
                done != null ? done.finishedAt() : null,
                done != null ? done.resourceChanges() : Map.copyOf(changes),
                eventCount,
                done);
    }

    private String status(Completion done) {
        return phase == RunJournal.Phase.FINISHED
                ? done.status().wireName()
                : phase.name().toLowerCase(Locale.ROOT);
    }
}
