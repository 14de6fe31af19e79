package dev.provisioner.engine;

import java.util.List;

/**
 * What the engine repaired before it could run an operation on a stack that a crashed run left locked or
 * damaged. Written to the audit trail as {@code dev.provisioner.run.recovered} before anything is repaired.
 *
 * @param staleLocks the locks removed: each was taken by a CLI that no longer runs (on this host, judged by its
 *     pid; or anywhere, proven by the stack's lease having been taken over from a holder that stopped renewing)
 * @param pendingOperations what the crashed update had begun and not finished; pending creates are cleared
 *     from the state ({@code refresh --clear-pending-creates}) before the operation runs again, so a
 *     resource named here may exist outside the state and is worth a look
 * @param damagedFiles backend files a kill left unreadable and that were removed (a {@code file://} backend's
 *     empty {@code .attrs} sidecar, which fails every CLI call with "failed to load checkpoint: EOF")
 * @param leaseHolder the replica whose lease on the stack was taken over (hostname/instance, epoch), or
 *     {@code null} when the stack had no lease left unreleased
 */
public record Recovery(
        List<StackLock> staleLocks,
        List<PendingOperation> pendingOperations,
        List<String> damagedFiles,
        String leaseHolder) {

    public Recovery {
        staleLocks = List.copyOf(staleLocks);
        pendingOperations = List.copyOf(pendingOperations);
        damagedFiles = List.copyOf(damagedFiles);
    }

    public Recovery(List<StackLock> staleLocks, List<PendingOperation> pendingOperations) {
        this(staleLocks, pendingOperations, List.of(), null);
    }

    /**
     * An operation left pending in the state.
     *
     * @param type {@code creating}, {@code updating}, {@code deleting}, {@code reading}, …
     */
    public record PendingOperation(String type, String urn) {}
}
