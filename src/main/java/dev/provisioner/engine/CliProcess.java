package dev.provisioner.engine;

import com.pulumi.automation.AutomationException;
import com.pulumi.automation.CommandResult;
import dev.provisioner.DaemonThreads;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A {@code pulumi} process, and the one place the service starts one. It gets the service's environment with
 * the caller's over it and never looks for a newer CLI; its standard input is closed; both its outputs are read
 * on threads of their own, so it never blocks on a full pipe. It is stopped through its {@link ProcessHandle}:
 * {@link Process#destroy()} would also close our ends of the output pipes, and its last words would be lost.
 * A fenced run's CLI runs under {@link CliWatchdog}: its standard input is then the watchdog's heartbeat, a
 * line every {@link #HEARTBEAT} while the run's {@link StackFence} holds, closed as soon as it does not.
 */
final class CliProcess {

    /** Otherwise the CLI asks the internet for a newer release on every run. */
    private static final String SKIP_UPDATE_CHECK = "PULUMI_SKIP_UPDATE_CHECK";

    /** Readers of the CLI's output streams; threads end when idle. */
    private static final ExecutorService OUTPUT_READERS =
            Executors.newCachedThreadPool(DaemonThreads.named("pulumi-cli-output"));

    /** How often a fenced CLI's watchdog hears from the service; a fraction of any sensible watchdog timeout. */
    static final Duration HEARTBEAT = Duration.ofMillis(500);

    private static final ScheduledExecutorService HEARTBEATS =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("pulumi-cli-heartbeat"));

    private final String command;
    private final Process process;
    private final CompletableFuture<String> stdout;
    private final CompletableFuture<String> stderr;

    private CliProcess(String command, Process process, Consumer<String> onStdout, Consumer<String> onStderr) {
        this.command = command;
        this.process = process;
        this.stdout = read(process.getInputStream(), onStdout);
        this.stderr = read(process.getErrorStream(), onStderr);
    }

    /** {@code binary} with {@code args}, to be started. */
    static Builder of(String binary, List<String> args) {
        return new Builder(binary, args);
    }

    /** All a finished process printed, standard output first. */
    static String printed(CommandResult result) {
        return (result.standardOutput() + result.standardError()).trim();
    }

    /**
     * Asks the process to stop (SIGTERM): the engine's first signal makes it cancel gracefully, finishing the
     * steps under way; a second one makes it terminate.
     */
    void signal() {
        process.toHandle().destroy();
    }

    /** Kills the process and its descendants, them first: once it is gone they are no longer its own. */
    void kill() {
        ProcessHandle handle = process.toHandle();
        handle.descendants().forEach(ProcessHandle::destroyForcibly);
        handle.destroyForcibly();
    }

    /** Waits, for as long as it takes, until the process has exited and its outputs are closed. */
    CommandResult await() throws InterruptedException {
        return result(process.waitFor());
    }

    /**
     * Waits until the process has exited and its outputs are closed; it is killed with its descendants when it
     * runs longer than {@code timeout} or the wait is interrupted.
     *
     * @throws AutomationException when it did not finish in time, or the wait was interrupted
     */
    CommandResult await(Duration timeout) throws AutomationException {
        try {
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return result(process.exitValue());
            }
        } catch (InterruptedException e) {
            kill();
            Thread.currentThread().interrupt();
            throw new AutomationException(e);
        }
        kill();
        throw new AutomationException("`" + command + "` did not finish within " + timeout);
    }

    private CommandResult result(int code) {
        return new CommandResult(code, stdout.join(), stderr.join());
    }

    private static CompletableFuture<String> read(InputStream in, Consumer<String> lines) {
        return CompletableFuture.supplyAsync(
                () -> {
                    var all = new StringBuilder();
                    try (var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                        for (String line; (line = reader.readLine()) != null; ) {
                            all.append(line).append('\n');
                            if (lines != null) {
                                lines.accept(line);
                            }
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return all.toString();
                },
                OUTPUT_READERS);
    }

    /** What to start: the service's working directory and environment, until told otherwise. */
    static final class Builder {

        private final List<String> args;
        private final ProcessBuilder process;
        private Consumer<String> onStdout;
        private Consumer<String> onStderr;
        private StackFence fence;

        private Builder(String binary, List<String> args) {
            this.args = List.copyOf(args);
            List<String> command = new ArrayList<>(args.size() + 1);
            command.add(binary);
            command.addAll(args);
            this.process = new ProcessBuilder(command);
        }

        /** Where it runs; {@code null}: the service's working directory. */
        Builder workingDir(Path dir) {
            process.directory(dir == null ? null : dir.toFile());
            return this;
        }

        /** Variables set over the service's own environment. */
        Builder environment(Map<String, String> variables) {
            process.environment().putAll(variables);
            return this;
        }

        /** Receive each line of its standard output and its standard error as it comes; either may be null. */
        Builder onOutput(Consumer<String> stdout, Consumer<String> stderr) {
            this.onStdout = stdout;
            this.onStderr = stderr;
            return this;
        }

        /**
         * Runs it under the {@link CliWatchdog} {@code script}, which kills it {@code timeout} after the last
         * heartbeat; heartbeats go while {@code fence} holds. {@link StackFence#NONE}: no watchdog.
         */
        Builder fencedBy(StackFence fence, Path script, Duration timeout) {
            if (fence == StackFence.NONE) {
                return this;
            }
            this.fence = fence;
            List<String> command = new ArrayList<>(process.command());
            command.add(0, script.toString());
            command.add(1, Long.toString(Math.max(1, timeout.toSeconds())));
            process.command(command);
            return this;
        }

        CliProcess start() throws IOException {
            process.environment().put(SKIP_UPDATE_CHECK, "true");
            if (fence != null && !fence.holds()) {
                throw new IOException("the run's lease on its stack no longer holds: no CLI starts");
            }
            Process started = process.start();
            CliStarts.started(args);
            if (fence == null) {
                started.getOutputStream().close();
            } else {
                heartbeat(started, fence);
            }
            return new CliProcess("pulumi " + String.join(" ", args), started, onStdout, onStderr);
        }

        /** A line to the watchdog every {@link #HEARTBEAT} while the fence holds; then its input is closed. */
        private static void heartbeat(Process started, StackFence fence) {
            OutputStream watchdog = started.getOutputStream();
            var task = new java.util.concurrent.atomic.AtomicReference<ScheduledFuture<?>>();
            Runnable beat = () -> {
                try {
                    if (fence.holds() && started.isAlive()) {
                        watchdog.write('\n');
                        watchdog.flush();
                        return;
                    }
                } catch (IOException e) {
                    // The watchdog is gone, so is its CLI.
                }
                try {
                    watchdog.close();
                } catch (IOException ignored) {
                    // Closing is the signal; a broken pipe says the same.
                }
                ScheduledFuture<?> self = task.get();
                if (self != null) {
                    self.cancel(false);
                }
            };
            task.set(HEARTBEATS.scheduleAtFixedRate(beat, 0, HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS));
            started.onExit().thenRun(() -> task.get().cancel(false));
        }
    }
}
