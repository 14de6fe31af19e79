package dev.provisioner.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watchdog a fenced run's CLI runs under, as a process of its own: a silent service (frozen, or cut off from
 * its lease) gets its CLI killed after the timeout, a dead one (its end of the pipe closed) at once, a lost lease
 * at once; a CLI that ends on its own keeps its exit code, and a cancel's SIGTERM reaches it.
 */
class CliWatchdogTest {

    @TempDir
    Path dir;

    @Test
    void aSilentServicesCliIsKilledAfterTheTimeout() throws Exception {
        Path script = CliWatchdog.install(dir);
        // Standard input stays open and nobody writes to it: the JVM is frozen, as far as the watchdog can tell.
        Process watchdog = new ProcessBuilder(script.toString(), "1", "sleep", "60").start();
        long started = System.nanoTime();
        assertThat(watchdog.waitFor(10, TimeUnit.SECONDS)).isTrue();
        Duration lived = Duration.ofNanos(System.nanoTime() - started);
        assertThat(watchdog.exitValue()).as("SIGKILL").isEqualTo(137);
        assertThat(lived).isBetween(Duration.ofMillis(900), Duration.ofSeconds(5));
        assertThat(watchdog.descendants().filter(ProcessHandle::isAlive)).isEmpty();
    }

    @Test
    void aDeadServicesCliIsKilledAtOnce() throws Exception {
        Path script = CliWatchdog.install(dir);
        Process watchdog = new ProcessBuilder(script.toString(), "30", "sleep", "60").start();
        List<ProcessHandle> cli = awaitChild(watchdog);
        watchdog.getOutputStream().close();
        assertThat(watchdog.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(watchdog.exitValue()).isEqualTo(137);
        assertThat(cli).noneMatch(ProcessHandle::isAlive);
    }

    @Test
    void aHeartBeatenCliRunsToItsEndAndALostLeaseKillsIt() throws Exception {
        Path script = CliWatchdog.install(dir);
        var holds = new AtomicBoolean(true);
        StackFence fence = new StackFence() {
            @Override
            public boolean holds() {
                return holds.get();
            }

            @Override
            public Optional<String> takenFrom() {
                return Optional.empty();
            }
        };
        // Heart-beaten for 3 s, twice the timeout: runs to its end with its own exit code.
        CliProcess ends = CliProcess.of("sh", List.of("-c", "sleep 3; exit 7"))
                .fencedBy(fence, script, Duration.ofMillis(1500))
                .start();
        assertThat(ends.await().code()).isEqualTo(7);

        CliProcess lost = CliProcess.of("sleep", List.of("60"))
                .fencedBy(fence, script, Duration.ofSeconds(30))
                .start();
        holds.set(false);
        long started = System.nanoTime();
        assertThat(lost.await().code()).isEqualTo(137);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void aCancelsSignalReachesTheCli() throws Exception {
        Path script = CliWatchdog.install(dir);
        CliProcess cli = CliProcess.of("sleep", List.of("60"))
                .fencedBy(alwaysHolds(), script, Duration.ofSeconds(30))
                .start();
        Thread.sleep(300);
        cli.signal();
        assertThat(cli.await().code()).as("the CLI's own end by SIGTERM").isEqualTo(143);
    }

    private static StackFence alwaysHolds() {
        return new StackFence() {
            @Override
            public boolean holds() {
                return true;
            }

            @Override
            public Optional<String> takenFrom() {
                return Optional.empty();
            }
        };
    }

    private static List<ProcessHandle> awaitChild(Process watchdog) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            List<ProcessHandle> children = watchdog.children().toList();
            if (!children.isEmpty()) {
                return children;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the watchdog started no CLI");
    }
}
