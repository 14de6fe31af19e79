package dev.provisioner.telemetry;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Where and how the runs' OpenTelemetry log records are exported. */
@ConfigMapping(prefix = "provisioner.otel")
public interface OtelConfig {

    /**
     * The OTLP/HTTP base URL, e.g. {@code http://collector:4318}; records go to {@code <endpoint>/v1/logs}
     * as {@code http/protobuf}. Without it no run exports log records, and completions say so.
     */
    Optional<String> endpoint();

    /**
     * OTLP/HTTP base URLs a request may name as {@code otel.endpoint}, to have its run's records go there
     * instead of to {@link #endpoint()} (a trailing {@code /} makes no difference). None by default: a
     * request that names an endpoint is refused, because the service would send the tenant's token there.
     */
    Optional<List<String>> allowedEndpoints();

    /** How the request's auth token reaches the endpoint. */
    @WithDefault("both")
    AuthMode authMode();

    /** {@code gzip} or {@code none}. */
    @WithDefault("gzip")
    String compression();

    /**
     * How long one export call may take, connecting and the exporter's own retries included (the OTel
     * SDK stops retrying when this has passed). A stalled endpoint holds one batch this long.
     */
    @WithDefault("10s")
    Duration exportTimeout();

    /**
     * How long the records of a run may wait before they are sent: the p99 of an event's way to the
     * endpoint is about this.
     */
    @WithDefault("1s")
    Duration scheduleDelay();

    /**
     * Records a run may have queued or in export. A run whose queue is full waits for room while the
     * endpoint takes its records; once an export of the run has failed, records that find no room are
     * dropped and counted, and the run goes on.
     */
    @WithDefault("2048")
    int maxQueueSize();

    @WithDefault("512")
    int maxExportBatchSize();

    /**
     * How long the end of a run waits for its queued records to be exported (retries included); what is
     * left then is counted as dropped. With {@link #exportTimeout()}, bounds how long an unreachable or
     * stalled endpoint can hold a run.
     */
    @WithDefault("10s")
    Duration flushTimeout();

    /** The token as a Resource attribute ({@code com.redhat.otel.auth_token}), as a bearer header, or both. */
    enum AuthMode {
        ATTRIBUTE,
        HEADER,
        BOTH;

        boolean attribute() {
            return this != HEADER;
        }

        boolean header() {
            return this != ATTRIBUTE;
        }
    }
}
