package dev.provisioner;

import java.util.concurrent.ThreadFactory;

/** Threads that do not keep the JVM alive, named after what they do: the service's own executors. */
public final class DaemonThreads {

    private DaemonThreads() {}

    /** A factory of daemon threads all called {@code name}. */
    public static ThreadFactory named(String name) {
        return task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
