package dev.provisioner.telemetry;

import dev.provisioner.event.EngineEvent;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemoryLogRecordExporter;
import java.time.Instant;
import java.util.List;

/**
 * Log records made by the service's own mapping ahead of time, so that an exporter can be measured on
 * its own, without the mapping and the batch processor in front of it.
 */
public final class PrebuiltLogRecords {

    private PrebuiltLogRecords() {}

    /** The records of {@code events}, as a run of {@code requestId} by {@code actor} under {@code resource}. */
    public static List<LogRecordData> of(List<EngineEvent> events, String requestId, String actor, Resource resource) {
        InMemoryLogRecordExporter memory = InMemoryLogRecordExporter.create();
        SdkLoggerProvider provider = SdkLoggerProvider.builder()
                .setResource(resource)
                .addLogRecordProcessor(SimpleLogRecordProcessor.create(memory))
                .build();
        Logger logger = provider.get("dev.provisioner.engine");
        Attributes run = LogRecordMapping.runAttributes(requestId, actor);
        for (EngineEvent event : events) {
            LogRecordMapping.map(event, logger.logRecordBuilder(), run, Instant.now())
                    .emit();
        }
        List<LogRecordData> records = List.copyOf(memory.getFinishedLogRecordItems());
        provider.close();
        return records;
    }
}
