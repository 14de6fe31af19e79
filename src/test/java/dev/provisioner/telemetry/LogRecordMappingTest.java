package dev.provisioner.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.provisioner.event.EngineEvent;
import dev.provisioner.event.EngineEvents;
import dev.provisioner.event.RecordedStreams;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.testing.exporter.InMemoryLogRecordExporter;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** Engine events recorded from the real CLI, as OpenTelemetry log records. */
class LogRecordMappingTest {

    private static final EngineEvents EVENTS = new EngineEvents(new ObjectMapper());
    private static final Attributes RUN = LogRecordMapping.runAttributes("req-1", "alice@example.com");
    private static final Instant OBSERVED = Instant.parse("2026-11-24T10:15:30.123456789Z");
    static final List<String> RECORDINGS = RecordedStreams.NAMES;

    private final InMemoryLogRecordExporter exporter = InMemoryLogRecordExporter.create();
    private final SdkLoggerProvider provider = SdkLoggerProvider.builder()
            .addLogRecordProcessor(SimpleLogRecordProcessor.create(exporter))
            .build();
    private final Logger logger = provider.get("test");

    @AfterEach
    void close() {
        provider.close();
    }

    @ParameterizedTest
    @FieldSource("RECORDINGS")
    void everyEventBecomesOneNamedRecord(String recording) {
        List<EngineEvent> events = map(recording);
        List<LogRecordData> records = exporter.getFinishedLogRecordItems();

        assertThat(records).hasSameSizeAs(events);
        for (int i = 0; i < events.size(); i++) {
            EngineEvent event = events.get(i);
            LogRecordData record = records.get(i);
            assertThat(record.getEventName()).isEqualTo("pulumi." + event.name());
            assertThat(record.getAttributes().get(LogRecordMapping.SEQUENCE)).isEqualTo(event.sequence());
            assertThat(record.getAttributes().get(LogRecordMapping.REQUEST_ID)).isEqualTo("req-1");
            assertThat(record.getAttributes().get(LogRecordMapping.ACTOR)).isEqualTo("alice@example.com");
            assertThat(record.getTimestampEpochNanos()).isEqualTo(event.timestamp() * 1_000_000_000L);
            assertThat(record.getObservedTimestampEpochNanos())
                    .isEqualTo(OBSERVED.getEpochSecond() * 1_000_000_000L + OBSERVED.getNano());
            assertThat(record.getSeverity()).isNotEqualTo(Severity.UNDEFINED_SEVERITY_NUMBER);
            assertThat(record.getBodyValue()).isNotNull();
        }
    }

    @Test
    void resourceStepsNameTheirResource() {
        map("up-create");
        LogRecordData create = exporter.getFinishedLogRecordItems().stream()
                .filter(r -> "pulumi.resource.pre".equals(r.getEventName()))
                .filter(r -> "pulumi:index:Stash".equals(r.getAttributes().get(LogRecordMapping.TYPE)))
                .findFirst()
                .orElseThrow();

        assertThat(create.getBodyValue().asString()).isEqualTo("create pulumi:index:Stash demo-0");
        assertThat(create.getAttributes().get(LogRecordMapping.OP)).isEqualTo("create");
        assertThat(create.getAttributes().get(LogRecordMapping.URN)).endsWith("pulumi:index:Stash::demo-0");
        assertThat(create.getAttributes().get(LogRecordMapping.PROVIDER)).contains("pulumi:providers:pulumi::default");
        assertThat(create.getSeverity()).isEqualTo(Severity.INFO);
    }

    @Test
    void updatesCarryTheirDiffs() {
        map("up-update");
        assertThat(exporter.getFinishedLogRecordItems())
                .filteredOn(r -> "update".equals(r.getAttributes().get(LogRecordMapping.OP)))
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.getAttributes().get(LogRecordMapping.DIFFS))
                        .containsExactly("input"));
    }

    @Test
    void aFailedRunIsAnError() {
        map("up-failed");
        List<LogRecordData> records = exporter.getFinishedLogRecordItems();
        LogRecordData summary = single(records, "pulumi.summary");

        assertThat(summary.getSeverity()).isEqualTo(Severity.ERROR);
        assertThat(summary.getAttributes().get(LogRecordMapping.SUMMARY_RESULT)).isEqualTo("failed");
        assertThat(summary.getAttributes()
                        .get(io.opentelemetry.api.common.AttributeKey.longKey(
                                LogRecordMapping.RESOURCE_CHANGES_PREFIX + "create")))
                .isEqualTo(1L);
        assertThat(records)
                .filteredOn(r -> "pulumi.diagnostic".equals(r.getEventName()) && r.getSeverity() == Severity.ERROR)
                .anySatisfy(r -> assertThat(r.getBodyValue().asString()).contains("fail-demo failed on purpose"));
    }

    @Test
    void aSucceededRunIsInfoAndDebugDiagnosticsAreDebug() {
        map("up-create");
        List<LogRecordData> records = exporter.getFinishedLogRecordItems();

        assertThat(single(records, "pulumi.summary").getSeverity()).isEqualTo(Severity.INFO);
        assertThat(single(records, "pulumi.summary").getBodyValue().asString()).isEqualTo("succeeded: create=4");
        assertThat(records)
                .filteredOn(r -> "debug".equals(r.getAttributes().get(LogRecordMapping.SEVERITY)))
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.getSeverity()).isEqualTo(Severity.DEBUG));
    }

    @Test
    void aFailedStepIsAnErrorNamingItsResource() {
        map("up-step-failed");
        LogRecordData failed = single(exporter.getFinishedLogRecordItems(), "pulumi.resource.failed");

        assertThat(failed.getSeverity()).isEqualTo(Severity.ERROR);
        assertThat(failed.getBodyValue().asString()).isEqualTo("read pulumi:pulumi:StackReference missing failed");
        assertThat(failed.getAttributes().get(LogRecordMapping.URN))
                .isEqualTo("urn:pulumi:step-failed::record::pulumi:pulumi:StackReference::missing");
        assertThat(failed.getAttributes().get(LogRecordMapping.TYPE)).isEqualTo("pulumi:pulumi:StackReference");
        assertThat(failed.getAttributes().get(LogRecordMapping.OP)).isEqualTo("read");
        assertThat(failed.getAttributes().get(LogRecordMapping.PROVIDER)).contains("pulumi:providers:pulumi::default");
    }

    private List<EngineEvent> map(String recording) {
        return map(RecordedStreams.lines(recording));
    }

    private List<EngineEvent> map(List<String> lines) {
        List<EngineEvent> events = lines.stream().map(EVENTS::parse).toList();
        events.forEach(e -> LogRecordMapping.map(e, logger.logRecordBuilder(), RUN, OBSERVED)
                .emit());
        return events;
    }

    private static LogRecordData single(List<LogRecordData> records, String eventName) {
        return records.stream()
                .filter(r -> eventName.equals(r.getEventName()))
                .reduce((a, b) -> {
                    throw new AssertionError("two records named " + eventName);
                })
                .orElseThrow();
    }
}
