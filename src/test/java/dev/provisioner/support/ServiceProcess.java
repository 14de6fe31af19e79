package dev.provisioner.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The packaged service ({@code target/quarkus-app/quarkus-run.jar}, built by {@code package}) in a process of
 * its own, as it runs in production: it can be killed, and stopped with SIGTERM. Its console goes to a log
 * file. Close it in {@code @AfterEach}: whatever still runs of it is killed.
 */
public final class ServiceProcess implements AutoCloseable {

    /** Exit code of a JVM killed by SIGKILL (128 + 9). */
    public static final int SIGKILL_EXIT = 137;

    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    private final Process process;
    private final Path log;

    private ServiceProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts the service with {@code properties} as system properties; its console goes to {@code log}. */
    public static ServiceProcess start(Map<String, String> properties, Path log) {
        return start(List.of(), properties, log);
    }

    /** As {@link #start(Map, Path)}, with JVM options such as {@code -Xmx256m} first. */
    public static ServiceProcess start(List<String> jvmOptions, Map<String, String> properties, Path log) {
        return start(List.of(), jvmOptions, properties, log);
    }

    /**
     * As {@link #start(List, Map, Path)}, the JVM started by {@code launcher} (a command that ends in {@code exec}
     * of its arguments, so that the process is the JVM's, e.g. one that gives it a hostname of its own).
     */
    public static ServiceProcess start(
            List<String> launcher, List<String> jvmOptions, Map<String, String> properties, Path log) {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR + " is missing: integration tests run after `package`");
        }
        List<String> command = new ArrayList<>(launcher);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        new TreeMap<>(properties).forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(JAR.toString());
        try {
            Files.createDirectories(log.getParent());
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            return new ServiceProcess(process, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + JAR, e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The processes the service runs now, the Pulumi CLI among them. */
    public List<ProcessHandle> children() {
        return process.toHandle().descendants().toList();
    }

    /**
     * Kills the service with SIGKILL, and with it the processes it runs, as when its container is killed
     * (the kernel kills a container's processes together); waits for the service to be gone.
     *
     * @return the service's exit code: {@link #SIGKILL_EXIT}
     */
    public int kill() {
        List<ProcessHandle> children = children();
        process.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
        int code = waitFor(Duration.ofSeconds(30));
        for (ProcessHandle child : children) {
            child.onExit().orTimeout(30, TimeUnit.SECONDS).join();
        }
        return code;
    }

    /** Sends SIGTERM, as Kubernetes does to stop a pod, and waits up to {@code atMost} for the service to exit. */
    public int terminate(Duration atMost) {
        process.toHandle().destroy();
        return waitFor(atMost);
    }

    /** The service's console so far. */
    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log at " + log + ": " + e.getMessage() + ")";
        }
    }

    public Path logFile() {
        return log;
    }

    private int waitFor(Duration atMost) {
        try {
            if (!process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the service did not exit within " + atMost + "; see " + log);
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        List<ProcessHandle> children = children();
        process.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
    }
}
