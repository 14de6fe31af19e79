package dev.provisioner.telemetry;

import dev.provisioner.contract.ProvisioningRequest;
import dev.provisioner.contract.RequestRules;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.resources.Resource;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
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
     * The log records of one run: {@link RunLogs#NONE} when the request names no tenant, or neither it nor
     * the service names an endpoint.
     *
     * @param trace the context of the run's span, set on every record
     */
    public RunLogs open(ProvisioningRequest request, Context trace) {
        ProvisioningRequest.OtelTarget target = request.otel();
        if (target == null) {
            return RunLogs.NONE;
        }
        // RequestParser let the request's endpoint through only if it is allowed.
        String endpoint = target.endpoint() != null
                ? target.endpoint()
                : config.endpoint().orElse(null);
        if (endpoint == null) {
            return RunLogs.NONE;
        }
        var exporter = new ExportedRunLogs.CountingExporter(
                exporterFor(endpoint, target.authToken()), config.authMode().header(), config.maxQueueSize());
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
        return new ExportedRunLogs(provider, exporter, run, trace, clock, config);
    }

    private Resource resource(ProvisioningRequest request) {
        ProvisioningRequest.OtelTarget target = request.otel();
        AttributesBuilder attributes = Attributes.builder();
        target.attributes().forEach(attributes::put);
        attributes
                .put("service.name", serviceName)
                .put("service.version", serviceVersion)
                .put(RequestRules.APP_CODE_ATTRIBUTE, target.appCode())
                .put(RequestRules.PROJECT_ATTRIBUTE, request.project())
                .put(RequestRules.OPERATION_ATTRIBUTE, request.operation().cliName())
                .put(RequestRules.STACK_ATTRIBUTE, request.stack());
        if (config.authMode().attribute()) {
            attributes.put(RequestRules.AUTH_TOKEN_ATTRIBUTE, target.authToken());
        }
        if (target.index() != null) {
            attributes.put(RequestRules.INDEX_ATTRIBUTE, target.index());
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
}
