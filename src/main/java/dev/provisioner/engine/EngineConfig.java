package dev.provisioner.engine;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** How the service runs the Pulumi engine. */
@ConfigMapping(prefix = "provisioner.engine")
public interface EngineConfig {

    /**
     * The {@code pulumi} binary: an absolute path, or a name looked up on the service's PATH.
     * {@code deploy/install-pulumi.sh} prints a path that fits here.
     */
    @WithDefault("pulumi")
    String cli();

    /**
     * The CLI version the service is built and tested with, the one {@code deploy/install-pulumi.sh}
     * provides. Readiness fails while the configured binary reports another.
     */
    @WithDefault("3.259.0")
    String cliVersion();

    /** Where each stack gets its own work directory and {@code PULUMI_HOME}. */
    @WithDefault("${java.io.tmpdir}/provisioner")
    Path workDir();

    /**
     * The state backend: {@code file:///abs/path} by default (under {@link #workDir()}); {@code s3://},
     * {@code azblob://}, {@code gs://} or {@code postgres://} when several replicas share state.
     */
    Optional<String> backendUrl();

    /**
     * The passphrase that encrypts stack secrets. Required: without one the engine cannot run
     * non-interactively. Mount it from a Secret in production.
     */
    String passphrase();

    /**
     * How long a cancelled CLI has to stop after the first signal before it gets a second one (the engine
     * then terminates at once); after twice this it is killed.
     */
    @WithDefault("30s")
    Duration cancelEscalation();

    /**
     * Where the CLI exports its own OpenTelemetry spans, given to operations as {@code --otel-traces}:
     * {@code http://collector:4318} or {@code grpc://collector:4317} (OTLP), or {@code file:///path.json}
     * (OTLP JSON, rewritten by every operation: for one run at a time, when debugging). Absent: the CLI
     * exports none. The spans join the run's trace.
     */
    Optional<String> otelTraces();

    /**
     * A fenced run's CLI (one whose stack is held by a lease, see {@code provisioner.leases}) is killed by its
     * watchdog when the service has not confirmed the lease for this long. Part of the lease's safety margin:
     * {@code leases.freshness} + this + the kill must stay under {@code leases.duration}.
     */
    @WithDefault("5s")
    Duration watchdogTimeout();

    /** How long a finished CLI may take to close its event stream before the run ends anyway. */
    @WithDefault("5s")
    Duration eventStreamDrainTimeout();
}
