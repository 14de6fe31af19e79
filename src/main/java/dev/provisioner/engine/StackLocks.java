package dev.provisioner.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The locks of one stack in a {@code file://} backend, and whether their owners still run. The CLI takes a
 * lock for every update and removes it when it ends; a CLI killed along with the service (kill -9, OOM kill)
 * leaves its lock behind, and every later update of the stack fails until the lock is gone.
 */
final class StackLocks {

    /** The lock's timestamp and a process' start time come from different clocks. */
    private static final Duration CLOCK_SLACK = Duration.ofSeconds(2);

    private final Path directory;

    /** The locks of {@code project/stack} in the backend whose root directory is {@code state}. */
    StackLocks(Path state, String project, String stack) {
        this.directory = state.resolve(".pulumi")
                .resolve("locks")
                .resolve(Workspaces.DIY_ORGANIZATION)
                .resolve(project)
                .resolve(stack);
    }

    /** The stack's locks now; none when it has none. */
    List<StackLock> read(ObjectMapper mapper) throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        List<StackLock> locks = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).toList()) {
                JsonNode lock = mapper.readTree(file.toFile());
                locks.add(new StackLock(
                        file.getFileName().toString(),
                        lock.path("pid").asLong(-1),
                        lock.path("hostname").asText(""),
                        lock.path("username").asText(""),
                        lock.path("timestamp").asText("")));
            }
        }
        return locks;
    }

    /**
     * Whether the lock's owner is certainly gone: it ran on this host, and no process with its pid that
     * started before the lock was taken runs now (a restarted container numbers its processes from 1 again,
     * so a pid alone proves nothing). A lock taken on another host is never judged gone: this host cannot
     * tell.
     */
    static boolean ownerGone(StackLock lock, String localHost) {
        if (lock.pid() <= 0 || !lock.hostname().equals(localHost)) {
            return false;
        }
        Optional<ProcessHandle> process = ProcessHandle.of(lock.pid()).filter(ProcessHandle::isAlive);
        if (process.isEmpty()) {
            return true;
        }
        Optional<Instant> started = process.get().info().startInstant();
        Optional<Instant> taken = instant(lock.timestamp());
        return started.isPresent()
                && taken.isPresent()
                && started.get().isAfter(taken.get().plus(CLOCK_SLACK));
    }

    void remove(StackLock lock) throws IOException {
        Files.deleteIfExists(directory.resolve(lock.file()));
        // The backend's blob library keeps each file's attributes beside it.
        Files.deleteIfExists(directory.resolve(lock.file() + ".attrs"));
    }

    /** This host's name as the CLI records it (Go's {@code os.Hostname}: the kernel's hostname). */
    static String localHost() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException e) {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException unknown) {
                return "";
            }
        }
    }

    private static Optional<Instant> instant(String text) {
        try {
            return Optional.of(OffsetDateTime.parse(text).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
