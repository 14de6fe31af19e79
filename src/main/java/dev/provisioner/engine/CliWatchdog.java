package dev.provisioner.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The process a fenced run's CLI runs under, independent of the JVM: it starts the CLI in a process group of
 * its own and kills that group (SIGKILL) when no line came on its standard input for the timeout, or at once
 * when its input ends (the service is gone). The service writes a line only while the run's lease holds, so a
 * frozen (SIGSTOP), partitioned or dead service's CLI dies within the timeout. {@code read -t} waits on the
 * kernel, not on the JVM, so a stopped JVM does not stop the count. SIGTERM and SIGINT are passed on to the
 * CLI, so a cancel works as without the watchdog.
 */
final class CliWatchdog {

    static final String SCRIPT = """
            #!/bin/bash
            # pulumi-watchdog SECONDS COMMAND [ARGS...] (written by the provisioner service, see CliWatchdog)
            timeout=$1; shift
            exec 3<&0
            set -m
            "$@" </dev/null 3<&- &
            cli=$!
            set +m
            trap 'kill -TERM "$cli" 2>/dev/null' TERM
            trap 'kill -INT "$cli" 2>/dev/null' INT
            (
              trap - TERM INT
              while IFS= read -r -t "$timeout" -u 3 _; do :; done
              kill -KILL -- "-$cli" 2>/dev/null
            ) &
            guard=$!
            exec 3<&-
            while :; do
              wait "$cli"
              status=$?
              kill -0 "$cli" 2>/dev/null || break
            done
            kill "$guard" 2>/dev/null
            exit "$status"
            """;

    private CliWatchdog() {}

    /**
     * Writes the watchdog into {@code dir} (once per start of the service) and returns its absolute path: the CLI
     * starts in its stack's work dir, where a relative one (a relative work dir, as the local profile's) is not.
     */
    static synchronized Path install(Path dir) throws IOException {
        Path script = dir.toAbsolutePath().resolve("pulumi-watchdog");
        Files.createDirectories(dir);
        if (!Files.exists(script) || !Files.readString(script).equals(SCRIPT)) {
            Path tmp = Files.createTempFile(dir, "pulumi-watchdog", ".tmp");
            Files.writeString(tmp, SCRIPT, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.move(
                    tmp,
                    script,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        return script;
    }
}
