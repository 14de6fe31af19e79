package dev.provisioner.engine;

import java.util.Optional;

/**
 * What lets a run write its stack: a lease that no other replica can take while it {@linkplain #holds()
 * holds}. Every CLI of a fenced run runs under a watchdog that kills it once the fence stops holding, so a
 * replica that lost its stack (or cannot prove it still has it) stops writing it before another may start.
 */
public interface StackFence {

    /** No fence: one replica, nothing to guard against; CLIs run without a watchdog, locks are judged by pid. */
    StackFence NONE = new StackFence() {
        @Override
        public boolean holds() {
            return true;
        }

        @Override
        public Optional<String> takenFrom() {
            return Optional.empty();
        }
    };

    /**
     * Whether the run may still write: its lease is held and was renewed recently enough. Once false, it stays
     * false for the run.
     */
    boolean holds();

    /**
     * The holder of a lease that was taken over because it was not renewed in time (its replica crashed, froze,
     * or lost the broker): then every lock of the stack is a dead writer's.
     */
    Optional<String> takenFrom();
}
