package dev.provisioner.engine;

/**
 * A lock the {@code file://} backend keeps on a stack while an update runs: a file under
 * {@code <state>/.pulumi/locks/organization/<project>/<stack>/}, written by the CLI that holds it.
 *
 * @param file the lock file's name
 * @param pid the process id of the CLI that took the lock
 * @param hostname the host that CLI ran on
 * @param timestamp when the lock was taken, as the CLI wrote it (RFC 3339)
 */
public record StackLock(String file, long pid, String hostname, String username, String timestamp) {

    /** Who holds the lock, for messages: {@code pid 42 on host-a (root) since 2026-…}. */
    public String owner() {
        return "pid " + pid + " on " + hostname + " (" + username + ") since " + timestamp;
    }
}
