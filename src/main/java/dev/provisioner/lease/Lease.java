package dev.provisioner.lease;

import dev.provisioner.engine.StackFence;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;

/**
 * A run's lease on its stack. It {@linkplain #holds() holds} while the last renewal the topic took (as this
 * replica's own reader saw it accepted) was sent less than {@code freshness} ago and no other holder took the
 * lease since; once it does not, it never holds again.
 */
public final class Lease implements StackFence {

    private final StackLeases leases;
    private final String key;
    private final String run;
    private final long epoch;
    private final String takenFrom;
    private final long freshnessNanos;
    private final Map<Long, Long> sentAt = new ConcurrentHashMap<>();
    private volatile long acceptedSentNanos = Long.MIN_VALUE;
    private volatile boolean accepted;
    private volatile boolean lost;
    private volatile boolean ended;
    private volatile ScheduledFuture<?> renewing;

    Lease(StackLeases leases, String key, String run, long epoch, String takenFrom, long freshnessNanos) {
        this.leases = leases;
        this.key = key;
        this.run = run;
        this.epoch = epoch;
        this.takenFrom = takenFrom;
        this.freshnessNanos = freshnessNanos;
    }

    @Override
    public boolean holds() {
        if (lost || ended || !accepted) {
            return false;
        }
        if (System.nanoTime() - acceptedSentNanos >= freshnessNanos) {
            lost = true;
            return false;
        }
        return true;
    }

    @Override
    public Optional<String> takenFrom() {
        return Optional.ofNullable(takenFrom);
    }

    /** Whether another replica took the stack, or this one could not prove it still had it in time. */
    public boolean lost() {
        return lost || (!ended && !holds());
    }

    /**
     * The run is over and its CLI has exited: the lease is released, so that the next holder need not wait.
     * Safe to call twice; does nothing once the lease is lost.
     */
    public void release() {
        end(true);
    }

    /**
     * The run stops without knowing that its CLI has exited: renewals stop and the lease lapses, so the CLI's
     * watchdog kills it before anyone else may take the stack.
     */
    public void abandon() {
        end(false);
    }

    private void end(boolean release) {
        boolean held = holds();
        ended = true;
        ScheduledFuture<?> task = renewing;
        if (task != null) {
            task.cancel(false);
        }
        leases.ended(this, release && held);
    }

    String key() {
        return key;
    }

    String run() {
        return run;
    }

    long epoch() {
        return epoch;
    }

    boolean ended() {
        return ended;
    }

    void renewing(ScheduledFuture<?> task) {
        this.renewing = task;
    }

    void sent(long renewal, long nanos) {
        sentAt.put(renewal, nanos);
    }

    /** The reader accepted a record of the key: this lease's own renewal, or another holder's. */
    void observed(String holder, String ownInstance, String recordRun, long recordEpoch, long renewal) {
        if (holder.equals(ownInstance) && recordRun.equals(run) && recordEpoch == epoch) {
            Long sent = sentAt.remove(renewal);
            if (sent != null && sent > acceptedSentNanos) {
                acceptedSentNanos = sent;
            }
            sentAt.keySet().removeIf(r -> r < renewal);
            accepted = true;
        } else {
            lost = true;
        }
    }

    @Override
    public String toString() {
        return key + " epoch " + epoch + " run " + run;
    }
}
