package dev.provisioner.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pulumi.automation.AutomationException;
import com.pulumi.automation.ConcurrentUpdateException;
import com.pulumi.automation.WorkspaceStack;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * A stack locked when its operation starts was most likely left so by a crash: the service killed with its CLI
 * (the CLI also dies on its own when the service's end of its output pipe goes). The stack can be repaired when
 * every one of its locks was taken on this host by a process that is gone; a lock whose owner runs, or that was
 * taken on another host, is left alone and the run fails. Only a {@code file://} backend's locks can be read.
 */
@Singleton
final class StackRecovery {

    private static final Logger LOG = Logger.getLogger(StackRecovery.class);

    private final Workspaces workspaces;
    private final ObjectMapper mapper;

    StackRecovery(Workspaces workspaces, ObjectMapper mapper) {
        this.workspaces = workspaces;
        this.mapper = mapper;
    }

    /**
     * What a repair of the stack {@code locked} refused would do, read through the run's {@code command}.
     *
     * @return the stale locks and what the crashed update left pending; empty when the lock was released
     *     meanwhile, so the operation may just start again
     * @throws ConcurrentUpdateException {@code locked} itself, when the backend's locks cannot be read
     * @throws AutomationException when a lock is not certainly stale, naming who holds it
     */
    Optional<Recovery> find(WorkspaceStack stack, RunSpec spec, RunCommand command, ConcurrentUpdateException locked)
            throws AutomationException, IOException {
        Optional<Path> state = workspaces.fileBackend();
        if (state.isEmpty()) {
            throw locked;
        }
        List<StackLock> held = new StackLocks(state.get(), spec.project(), spec.stack()).read(mapper);
        if (held.isEmpty()) {
            return Optional.empty();
        }
        String host = StackLocks.localHost();
        List<StackLock> live =
                held.stream().filter(lock -> !StackLocks.ownerGone(lock, host)).toList();
        if (!live.isEmpty()) {
            throw new AutomationException("stack " + spec.project() + "/" + spec.stack()
                    + " is locked by an update this host cannot prove gone (" + owners(live)
                    + "); the lock is left alone. Once that update is known to be over, `pulumi cancel` removes it");
        }
        return Optional.of(new Recovery(held, pendingOperations(stack, command)));
    }

    /**
     * Removes the stale locks, then applies the policy for what the crashed update left pending: refresh the
     * stack from its providers and drop the pending creates (their resources may or may not exist; the
     * recovery record names them). Left alone, {@code up} would drop them too, but on stale state for
     * pending updates and deletes, and {@code refresh} keeps them for good.
     */
    void repair(WorkspaceStack stack, RunSpec spec, RunCommand command, Recovery recovery)
            throws AutomationException, IOException {
        var locks = new StackLocks(workspaces.fileBackend().orElseThrow(), spec.project(), spec.stack());
        for (StackLock lock : recovery.staleLocks()) {
            locks.remove(lock);
        }
        LOG.warnf(
                "stack %s/%s: removed the lock(s) of a crashed update (%s); %d operation(s) left pending",
                spec.project(),
                spec.stack(),
                owners(recovery.staleLocks()),
                recovery.pendingOperations().size());
        if (recovery.pendingOperations().isEmpty()) {
            return;
        }
        // Without the event log: its events would start again from sequence 0 within the run's trail.
        command.runUnobserved(
                List.of(
                        "refresh",
                        "--yes",
                        "--skip-preview",
                        "--clear-pending-creates",
                        "--color",
                        RunCommand.COLOR,
                        // Not the request's own message: only the operation itself marks the request done.
                        "--message",
                        spec.message() + " (recovery: pending operations cleared)",
                        "--stack",
                        stack.name()),
                Workspaces.options(stack));
    }

    private static String owners(List<StackLock> locks) {
        return locks.stream().map(StackLock::owner).collect(Collectors.joining("; "));
    }

    /** The operations the stack's state holds as begun and not finished ({@code stack export}). */
    private List<Recovery.PendingOperation> pendingOperations(WorkspaceStack stack, RunCommand command)
            throws AutomationException {
        var exported = command.run(List.of("stack", "export", "--stack", stack.name()), Workspaces.options(stack));
        JsonNode deployment;
        try {
            deployment = mapper.readTree(exported.standardOutput()).path("deployment");
        } catch (JsonProcessingException e) {
            throw new AutomationException("`pulumi stack export` printed no JSON: " + e.getOriginalMessage(), e);
        }
        List<Recovery.PendingOperation> pending = new ArrayList<>();
        for (JsonNode operation : deployment.path("pending_operations")) {
            pending.add(new Recovery.PendingOperation(
                    operation.path("type").asText(),
                    operation.path("resource").path("urn").asText()));
        }
        return pending;
    }
}
