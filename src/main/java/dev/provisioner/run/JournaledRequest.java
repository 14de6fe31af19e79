package dev.provisioner.run;

import dev.provisioner.contract.Completion;
import dev.provisioner.contract.ProvisioningRequest;
import dev.provisioner.event.EngineEvent;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
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
     * Whether {@code request} is this one. Known from its completion only, the fingerprint is
     * unknown: then the operation and the stack must be the same.
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
