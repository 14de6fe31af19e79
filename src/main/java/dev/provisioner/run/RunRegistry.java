package dev.provisioner.run;

import dev.provisioner.audit.AuditTrail;
import dev.provisioner.contract.CancelRequest;
import dev.provisioner.engine.Cancellation;
import dev.provisioner.engine.EngineRun;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The runs of this replica, by request id, and the cancellations that came before their request did.
 * Cancellations reach every replica; the one running the request acts on it, and a request that is still
 * queued is not run when its turn comes.
 */
@ApplicationScoped
public class RunRegistry {

    /** Cancellations of requests not seen yet are kept this many at most, the oldest forgotten first. */
    static final int MAX_PENDING = 10_000;

    private final Clock clock;
    private final Duration memory;
    private final Map<String, Active> running = new HashMap<>();
    private final LinkedHashMap<String, CancelRequest> pending = new LinkedHashMap<>();

    public RunRegistry(Clock clock, RunsConfig config) {
        this.clock = clock;
        this.memory = config.cancelMemory();
    }

    /** A run of this replica. */
    record Active(EngineRun run, AuditTrail trail) {}

    /**
     * Takes a request's cancellation if one came before it did: then the request must not run.
     */
    synchronized Optional<CancelRequest> takePending(String requestId) {
        return Optional.ofNullable(pending.remove(requestId));
    }

    /**
     * Registers a run that has started; a cancellation that came meanwhile is returned, to be acted on
     * at once.
     */
    synchronized Optional<CancelRequest> started(String requestId, EngineRun run, AuditTrail trail) {
        running.put(requestId, new Active(run, trail));
        return Optional.ofNullable(pending.remove(requestId));
    }

    synchronized void finished(String requestId) {
        running.remove(requestId);
    }

    /**
     * Cancels the request's run if it is here, else remembers the cancellation for a while, in case the
     * request is queued.
     *
     * @return the run that was cancelled, if this replica runs it
     */
    Optional<Active> cancel(CancelRequest cancel) {
        Active active;
        synchronized (this) {
            active = running.get(cancel.requestId());
            if (active == null) {
                if (cancel.at().isAfter(clock.instant().minus(memory))) {
                    pending.put(cancel.requestId(), cancel);
                    while (pending.size() > MAX_PENDING) {
                        pending.remove(pending.keySet().iterator().next());
                    }
                }
                return Optional.empty();
            }
        }
        active.run().cancel(Cancellation.REQUESTED);
        return Optional.of(active);
    }

    /** How many runs are going on now. */
    synchronized int active() {
        return running.size();
    }

    /** The runs going on now. */
    synchronized List<EngineRun> runs() {
        List<EngineRun> runs = new ArrayList<>();
        running.values().forEach(a -> runs.add(a.run()));
        return runs;
    }
}
