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

    @Test
    void aMandatoryPolicyViolationIsAnErrorAndAnAdvisoryOneAWarning() {
        map("up-policy-violations");
        List<LogRecordData> violations = exporter.getFinishedLogRecordItems().stream()
                .filter(r -> "pulumi.policy".equals(r.getEventName()))
                .toList();

        assertThat(violations).hasSize(2);
        LogRecordData advisory = violations.get(0);
        assertThat(advisory.getSeverity()).isEqualTo(Severity.WARN);
        assertThat(advisory.getBodyValue().asString())
                .isEqualTo("recorded-policies/stash-input-length: input 'tiny' has 4 characters, fewer than 8");
        assertThat(advisory.getAttributes().get(LogRecordMapping.URN))
                .isEqualTo("urn:pulumi:policy::record::pulumi:index:Stash::short");
        assertThat(advisory.getAttributes().get(LogRecordMapping.POLICY_PACK)).isEqualTo("recorded-policies");
        assertThat(advisory.getAttributes().get(LogRecordMapping.POLICY_PACK_VERSION))
                .isEqualTo("0.1.0");
        assertThat(advisory.getAttributes().get(LogRecordMapping.POLICY_NAME)).isEqualTo("stash-input-length");
        assertThat(advisory.getAttributes().get(LogRecordMapping.POLICY_ENFORCEMENT))
                .isEqualTo("advisory");
        assertThat(advisory.getAttributes().get(LogRecordMapping.POLICY_SEVERITY))
                .isEqualTo("low");
        LogRecordData mandatory = violations.get(1);
        assertThat(mandatory.getSeverity()).isEqualTo(Severity.ERROR);
        assertThat(mandatory.getBodyValue().asString())
                .isEqualTo("recorded-policies/stash-input-allowed: input 'forbidden' is not allowed");
        assertThat(mandatory.getAttributes().get(LogRecordMapping.URN))
                .isEqualTo("urn:pulumi:policy::record::pulumi:index:Stash::refused");
        assertThat(mandatory.getAttributes().get(LogRecordMapping.POLICY_ENFORCEMENT))
                .isEqualTo("mandatory");
        assertThat(mandatory.getAttributes().get(LogRecordMapping.POLICY_SEVERITY))
                .isEqualTo("high");
    }

    @Test
    void policySummariesTheModelDoesNotNameCarryTheirEventWhole() {
        List<EngineEvent> events = map("up-policy-violations");
        List<LogRecordData> records = exporter.getFinishedLogRecordItems();

        for (int i = 0; i < events.size(); i++) {
            if ("policyAnalyzeSummaryEvent".equals(events.get(i).kind())) {
                assertThat(records.get(i).getEventName()).isEqualTo("pulumi.policy.analyze.summary");
                assertThat(records.get(i).getAttributes().get(LogRecordMapping.EVENT_JSON))
                        .isEqualTo(events.get(i).json().toString());
            }
        }
        assertThat(records).anyMatch(r -> "pulumi.policy.analyze.summary".equals(r.getEventName()));
    }

    @Test
    void pluginProgressSaysHowFarItGot() {
        map("destroy-plugin-download");
        List<LogRecordData> progress = exporter.getFinishedLogRecordItems().stream()
                .filter(r -> "pulumi.progress".equals(r.getEventName()))
                .toList();

        assertThat(progress)
                .hasSize(4)
                .allSatisfy(r -> assertThat(r.getSeverity()).isEqualTo(Severity.INFO));
        LogRecordData started = progress.get(0);
        long total = started.getAttributes().get(LogRecordMapping.PROGRESS_TOTAL);
        long received = started.getAttributes().get(LogRecordMapping.PROGRESS_RECEIVED);
        assertThat(received).isPositive().isLessThan(total);
        assertThat(started.getBodyValue().asString())
                .isEqualTo("Downloading plugin recorded-1.0.0 (" + received + "/" + total + ")");
        assertThat(started.getAttributes().get(LogRecordMapping.PROGRESS_TYPE)).isEqualTo("plugin-download");
        assertThat(started.getAttributes().get(LogRecordMapping.PROGRESS_ID))
                .isEqualTo("plugin-download:recorded-1.0.0");
        assertThat(started.getAttributes().get(LogRecordMapping.PROGRESS_DONE)).isFalse();
        LogRecordData downloaded = progress.get(1);
        assertThat(downloaded.getBodyValue().asString()).isEqualTo("Downloading plugin recorded-1.0.0 (done)");
        assertThat(downloaded.getAttributes().get(LogRecordMapping.PROGRESS_RECEIVED))
                .isEqualTo(total);
        assertThat(downloaded.getAttributes().get(LogRecordMapping.PROGRESS_DONE))
                .isTrue();
        assertThat(progress.get(3).getBodyValue().asString()).isEqualTo("Installing plugin recorded-1.0.0 (done)");
    }

    @Test
    void engineErrorsAreErrors() {
        List<EngineEvent> errors = map(RecordedStreams.fixture("error-events"));
        List<LogRecordData> records = exporter.getFinishedLogRecordItems();

        assertThat(records).hasSize(2).allSatisfy(r -> {
            assertThat(r.getEventName()).isEqualTo("pulumi.error");
            assertThat(r.getSeverity()).isEqualTo(Severity.ERROR);
            assertThat(r.getAttributes().get(LogRecordMapping.URN)).isNull();
        });
        assertThat(records.get(0).getBodyValue().asString())
                .isEqualTo(((EngineEvent.Error) errors.get(0)).error())
                .startsWith("snapshot integrity error (auto-repaired): ");
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
