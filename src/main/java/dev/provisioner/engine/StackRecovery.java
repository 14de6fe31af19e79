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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
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

    /**
     * How the CLI names each lock when it refuses a locked stack, on every DIY backend: {@code <url>/.pulumi/
     * locks/organization/<project>/<stack>/<id>.json[?query]: created by <user>@<host> (pid <pid>) at <time>}.
     */
    private static final Pattern LOCK_LINE = Pattern.compile(
            "/\\.pulumi/locks/\\S*?([^/\\s?]+\\.json)\\S*: created by (\\S*)@(\\S+) \\(pid (\\d+)\\) at (\\S+)");

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
        clearPending(stack, spec, command, recovery);
    }

    private void clearPending(WorkspaceStack stack, RunSpec spec, RunCommand command, Recovery recovery)
            throws AutomationException {
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

    /**
     * What a fenced run finds on a locked stack it holds the lease of: every lock is a dead writer's, since the
     * lease is only taken over from a holder whose CLI its watchdog has killed, on whatever host. Read from the
     * CLI's own refusal (every DIY backend words it alike), or from the lock files of a {@code file://} one.
     *
     * @return empty when no lock is left (released meanwhile): the operation may just start again
     */
    Optional<Recovery> findUnderLease(
            WorkspaceStack stack, RunSpec spec, RunCommand command, ConcurrentUpdateException locked, StackFence fence)
            throws AutomationException, IOException {
        Optional<Path> state = workspaces.fileBackend();
        List<StackLock> held = state.isPresent()
                ? new StackLocks(state.get(), spec.project(), spec.stack()).read(mapper)
                : parseLocks(String.valueOf(locked.getMessage()));
        if (held.isEmpty() && state.isPresent()) {
            return Optional.empty();
        }
        return Optional.of(new Recovery(
                held,
                pendingOperations(stack, command),
                List.of(),
                fence.takenFrom().orElse(null)));
    }

    /**
     * Removes every lock of the stack with {@code pulumi cancel} (it deletes the stack's locks on any DIY
     * backend, and stops no process: the lease proves none writes), then settles pending operations as
     * {@link #repair} does. Refuses when the lease no longer holds.
     */
    void repairUnderLease(WorkspaceStack stack, RunSpec spec, RunCommand command, Recovery recovery)
            throws AutomationException, IOException {
        if (!command.fence().holds()) {
            throw new AutomationException("stack " + spec.project() + "/" + spec.stack()
                    + ": the run's lease no longer holds; its locks are left alone");
        }
        command.run(
                List.of("cancel", "--yes", "--color", RunCommand.COLOR, "--stack", stack.name()),
                Workspaces.options(stack));
        LOG.warnf(
                "stack %s/%s: removed the lock(s) of a crashed update under the stack's lease (%s; lease taken from %s);"
                        + " %d operation(s) left pending",
                spec.project(),
                spec.stack(),
                owners(recovery.staleLocks()),
                recovery.leaseHolder(),
                recovery.pendingOperations().size());
        clearPending(stack, spec, command, recovery);
    }

    /**
     * The files of the stack in a {@code file://} backend that a kill left empty where the CLI cannot read an
     * empty one: {@code .attrs} sidecars (the blob library's attributes, JSON), left empty by a kill while the
     * CLI wrote a checkpoint. None for other backends: Postgres writes each blob as one row in one statement,
     * and S3 makes an object visible only whole, so neither leaves half a file.
     */
    List<String> damagedFiles(RunSpec spec) throws IOException {
        Optional<Path> state = workspaces.fileBackend();
        if (state.isEmpty()) {
            return List.of();
        }
        Path root = state.get().resolve(".pulumi");
        List<Path> places = List.of(
                root.resolve("stacks").resolve(spec.project()),
                root.resolve("history").resolve(spec.project()).resolve(spec.stack()),
                root.resolve("backups").resolve(spec.project()).resolve(spec.stack()),
                root.resolve("locks")
                        .resolve(Workspaces.DIY_ORGANIZATION)
                        .resolve(spec.project())
                        .resolve(spec.stack()));
        List<String> damaged = new ArrayList<>();
        for (Path place : places) {
            if (!java.nio.file.Files.isDirectory(place)) {
                continue;
            }
            try (Stream<Path> files = java.nio.file.Files.list(place)) {
                for (Path file : files.toList()) {
                    String name = file.getFileName().toString();
                    boolean ours = !place.endsWith(spec.project()) || name.startsWith(spec.stack() + ".");
                    if (ours && name.endsWith(".attrs") && java.nio.file.Files.size(file) == 0) {
                        damaged.add(state.get().relativize(file).toString());
                    }
                }
            }
        }
        return damaged;
    }

    /** The stack's locks in a {@code file://} backend, read from their files. */
    List<StackLock> fileLocks(RunSpec spec) throws IOException {
        Optional<Path> state = workspaces.fileBackend();
        return state.isEmpty() ? List.of() : new StackLocks(state.get(), spec.project(), spec.stack()).read(mapper);
    }

    /** Removes the damaged files once the recovery record holds them; refuses when the lease no longer holds. */
    void removeDamaged(RunSpec spec, StackFence fence, List<String> damaged) throws IOException {
        if (!fence.holds()) {
            throw new IOException("the run's lease no longer holds; damaged files are left alone");
        }
        Path state = workspaces.fileBackend().orElseThrow();
        for (String file : damaged) {
            java.nio.file.Files.deleteIfExists(state.resolve(file));
        }
        LOG.warnf("stack %s/%s: removed empty file(s) a crash left: %s", spec.project(), spec.stack(), damaged);
    }

    /** The locks the CLI named when it refused a locked stack. */
    static List<StackLock> parseLocks(String refusal) {
        List<StackLock> locks = new ArrayList<>();
        Matcher m = LOCK_LINE.matcher(refusal);
        while (m.find()) {
            var lock = new StackLock(m.group(1), Long.parseLong(m.group(4)), m.group(3), m.group(2), m.group(5));
            if (!locks.contains(lock)) {
                locks.add(lock);
            }
        }
        return locks;
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
