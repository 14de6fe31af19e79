package dev.provisioner.telemetry;

import dev.provisioner.contract.ProvisioningRequest;
import dev.provisioner.event.EngineEvent;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Turns a run's engine events into OpenTelemetry log records under a Resource that names the run's
 * tenant ({@code appcode}, {@code com.redhat.otel.auth_token}, {@code project-name}, {@code operation},
 * {@code stack}), exported over OTLP/HTTP to the service's endpoint or the allowed one the request names.
 * Records wait in a bounded queue ({@code max-queue-size}). While the endpoint takes them, a run whose
 * records come faster waits for room in its queue; once one of the run's exports has failed, records that
 * find the queue full are dropped, and so is what is not exported by the end of the run (plus
 * {@code flush-timeout}), all counted. An endpoint that is down or stalled holds a run up for at most
 * {@code export-timeout} (the export that fails) plus {@code flush-timeout}.
 */
@ApplicationScoped
public class OtelLogSink {

    static final String LOGS_PATH = "/v1/logs";
    private static final String SCOPE = "dev.provisioner.engine";

    private final OtelConfig config;
    private final Clock clock;
    private final String serviceName;
    private final String serviceVersion;
    /** By endpoint: exporters for every run when the token does not travel in a header; made on first use. */
    private final Map<String, LogRecordExporter> shared = new ConcurrentHashMap<>();

    public OtelLogSink(
            OtelConfig config,
            Clock clock,
            @ConfigProperty(name = "quarkus.application.name") String serviceName,
            @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown") String serviceVersion) {
        this.config = config;
        this.clock = clock;
        this.serviceName = serviceName;
        this.serviceVersion = serviceVersion;
    }

    /**
     * The log records of one run; {@link RunLogs#enabled()} is false when the request names no tenant, or
     * neither it nor the service names an endpoint.
     *
     * @param trace the context of the run's span, set on every record
     */
    public RunLogs open(ProvisioningRequest request, Context trace) {
        ProvisioningRequest.OtelTarget target = request.otel();
        if (target == null) {
            return RunLogs.OFF;
        }
        // RequestParser let the request's endpoint through only if it is allowed.
        String endpoint = target.endpoint() != null
                ? target.endpoint()
                : config.endpoint().orElse(null);
        if (endpoint == null) {
            return RunLogs.OFF;
        }
        var room = new Semaphore(config.maxQueueSize());
        var exporter = new CountingExporter(
                exporterFor(endpoint, target.authToken()), config.authMode().header(), room);
        var provider = SdkLoggerProvider.builder()
                .setResource(resource(request))
                .addLogRecordProcessor(BatchLogRecordProcessor.builder(exporter)
                        .setScheduleDelay(config.scheduleDelay())
                        .setMaxQueueSize(config.maxQueueSize())
                        .setMaxExportBatchSize(config.maxExportBatchSize())
                        .setExporterTimeout(config.exportTimeout())
                        .build())
                .build();
        Attributes run = LogRecordMapping.runAttributes(request.requestId(), request.requestedBy());
        return new RunLogs(provider, provider.get(SCOPE), exporter, room, run, trace, clock, config);
    }

    private Resource resource(ProvisioningRequest request) {
        ProvisioningRequest.OtelTarget target = request.otel();
        AttributesBuilder attributes = Attributes.builder();
        target.attributes().forEach(attributes::put);
        attributes
                .put("service.name", serviceName)
                .put("service.version", serviceVersion)
                .put("appcode", target.appCode())
                .put("project-name", request.project())
                .put("operation", request.operation().cliName())
                .put("stack", request.stack());
        if (config.authMode().attribute()) {
            attributes.put("com.redhat.otel.auth_token", target.authToken());
        }
        if (target.index() != null) {
            attributes.put("index", target.index());
        }
        return Resource.create(attributes.build());
    }

    private LogRecordExporter exporterFor(String endpoint, String token) {
        if (config.authMode().header()) {
            return newExporter(endpoint)
                    .addHeader("Authorization", "Bearer " + token)
                    .build();
        }
        return shared.computeIfAbsent(endpoint, e -> newExporter(e).build());
    }

    private OtlpHttpLogRecordExporterBuilder newExporter(String endpoint) {
        String base = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        // Both timeouts bound an unreachable or stalled endpoint: connecting (the SDK's default is 10 s
        // whatever the export timeout), and the whole call with its retries.
        return OtlpHttpLogRecordExporter.builder()
                .setEndpoint(base + LOGS_PATH)
                .setTimeout(config.exportTimeout())
                .setConnectTimeout(config.exportTimeout())
                .setCompression(config.compression());
    }

    @PreDestroy
    void stop() {
        List<CompletableResultCode> stopped =
                shared.values().stream().map(LogRecordExporter::shutdown).toList();
        CompletableResultCode.ofAll(stopped).join(config.flushTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The log records of one run. */
    public static final class RunLogs {

        static final RunLogs OFF = new RunLogs(null, null, null, null, Attributes.empty(), Context.root(), null, null);

        private final SdkLoggerProvider provider;
        private final Logger logger;
        private final CountingExporter exporter;
        /** Records the run's queue can take; an export's answer gives its records' room back. */
        private final Semaphore room;

        private final Attributes run;
        private final Context trace;
        private final Clock clock;
        private final OtelConfig config;
        private final AtomicLong emitted = new AtomicLong();

        private RunLogs(
                SdkLoggerProvider provider,
                Logger logger,
                CountingExporter exporter,
                Semaphore room,
                Attributes run,
                Context trace,
                Clock clock,
                OtelConfig config) {
            this.provider = provider;
            this.logger = logger;
            this.exporter = exporter;
            this.room = room;
            this.run = run;
            this.trace = trace;
            this.clock = clock;
            this.config = config;
        }

        public boolean enabled() {
            return provider != null;
        }

        /** Emits one record per event; completes when {@code events} does. */
        public Uni<Void> consume(Multi<EngineEvent> events) {
            return events.invoke(this::emit).collect().last().replaceWithVoid();
        }

        void emit(EngineEvent event) {
            if (provider == null) {
                return;
            }
            awaitRoom();
            LogRecordMapping.map(event, logger.logRecordBuilder(), run, clock.instant())
                    .setContext(trace)
                    .emit();
            emitted.incrementAndGet();
        }

        /**
         * Waits for the queue to have room for one more record, unless an export of the run has failed: for
         * at most {@code export-timeout}, by when the export under way has its answer, which gives room back.
         */
        private void awaitRoom() {
            if (room.tryAcquire() || exporter.failed()) {
                return;
            }
            try {
                room.tryAcquire(config.exportTimeout().toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /**
         * Exports what is queued, waiting at most {@link OtelConfig#flushTimeout()}, and says what became of
         * the run's records. Call once, when the run's events have ended.
         */
        public Counts finish() {
            if (provider == null) {
                return new Counts(0, 0);
            }
            provider.shutdown().join(config.flushTimeout().toMillis(), TimeUnit.MILLISECONDS);
            long exported = exporter.exported();
            return new Counts(exported, emitted.get() - exported);
        }
    }

    /** Records the endpoint accepted, and records given up on. */
    public record Counts(long exported, long dropped) {}

    /**
     * Counts what the endpoint accepted, and gives the run's queue room back for every record that has its
     * answer; shuts the delegate down only when it is the run's own.
     */
    private static final class CountingExporter implements LogRecordExporter {
        private final LogRecordExporter delegate;
        private final boolean owned;
        private final Semaphore room;
        private final AtomicLong exported = new AtomicLong();
        private volatile boolean failed;

        CountingExporter(LogRecordExporter delegate, boolean owned, Semaphore room) {
            this.delegate = delegate;
            this.owned = owned;
            this.room = room;
        }

        long exported() {
            return exported.get();
        }

        /** Whether an export has failed. */
        boolean failed() {
            return failed;
        }

        @Override
        public CompletableResultCode export(Collection<LogRecordData> logs) {
            CompletableResultCode result = delegate.export(logs);
            int n = logs.size();
            result.whenComplete(() -> {
                if (result.isSuccess()) {
                    exported.addAndGet(n);
                } else {
                    failed = true;
                }
                room.release(n);
            });
            return result;
        }

        @Override
        public CompletableResultCode flush() {
            return delegate.flush();
        }

        @Override
        public CompletableResultCode shutdown() {
            return owned ? delegate.shutdown() : CompletableResultCode.ofSuccess();
        }
    }
}
