package dev.provisioner.engine;

import com.pulumi.automation.AutomationException;
import com.pulumi.automation.CommandResult;
import dev.provisioner.DaemonThreads;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
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
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A {@code pulumi} process, and the one place the service starts one. It gets the service's environment with
 * the caller's over it and never looks for a newer CLI; its standard input is closed; both its outputs are read
 * on threads of their own, so it never blocks on a full pipe. It is stopped through its {@link ProcessHandle}:
 * {@link Process#destroy()} would also close our ends of the output pipes, and its last words would be lost.
 */
final class CliProcess {

    /** Otherwise the CLI asks the internet for a newer release on every run. */
    private static final String SKIP_UPDATE_CHECK = "PULUMI_SKIP_UPDATE_CHECK";

    /** Readers of the CLI's output streams; threads end when idle. */
    private static final ExecutorService OUTPUT_READERS =
            Executors.newCachedThreadPool(DaemonThreads.named("pulumi-cli-output"));

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

        CliProcess start() throws IOException {
            process.environment().put(SKIP_UPDATE_CHECK, "true");
            Process started = process.start();
            CliStarts.started(args);
            started.getOutputStream().close();
            return new CliProcess("pulumi " + String.join(" ", args), started, onStdout, onStderr);
        }
    }
}
