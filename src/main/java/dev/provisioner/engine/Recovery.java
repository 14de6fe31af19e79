package dev.provisioner.engine;

import java.util.List;

/**
 * What the engine repaired before it could run an operation on a stack that a crashed run left locked.
 * Written to the audit trail as {@code dev.provisioner.run.recovered} before the operation runs.
 *
 * @param staleLocks the locks removed: each was taken by a CLI on this host that no longer runs
 * @param pendingOperations what the crashed update had begun and not finished; pending creates are cleared
 *     from the state ({@code refresh --clear-pending-creates}) before the operation runs again, so a
 *     resource named here may exist outside the state and is worth a look
 */
public record Recovery(List<StackLock> staleLocks, List<PendingOperation> pendingOperations) {

    public Recovery {
        staleLocks = List.copyOf(staleLocks);
        pendingOperations = List.copyOf(pendingOperations);
    }

    /**
     * An operation left pending in the state.
     *
     * @param type {@code creating}, {@code updating}, {@code deleting}, {@code reading}, …
     */
    public record PendingOperation(String type, String urn) {}
}
