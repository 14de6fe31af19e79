package dev.provisioner.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioner.audit.AuditSink;
import dev.provisioner.demo.FailingDemoProgram;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** The event model on streams recorded from the real CLI: every kind maps, nothing is lost. */
class EngineEventsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EngineEvents EVENTS = new EngineEvents(JSON);
    static final List<String> RECORDINGS = RecordedStreams.NAMES;

    /** The kinds the model leaves to {@link EngineEvent.Unknown} on purpose, as recorded with a policy pack. */
    static final Set<String> UNMODELLED =
            Set.of("policyLoadEvent", "policyAnalyzeSummaryEvent", "policyRemediateSummaryEvent");

    @ParameterizedTest
    @FieldSource("RECORDINGS")
    void everyEventKeepsItsJsonWholeAndGetsItsOwnType(String recording) throws Exception {
        List<String> lines = RecordedStreams.lines(recording);
        assertThat(lines).isNotEmpty();
        long expectedSequence = 0;
        for (String line : lines) {
            JsonNode original = JSON.readTree(line);
            EngineEvent event = EVENTS.parse(line);

            assertThat(event.json()).isEqualTo(original);
            if (UNMODELLED.contains(event.kind())) {
                assertThat(event).isInstanceOf(EngineEvent.Unknown.class);
            } else {
                assertThat(event).as(line).isNotInstanceOf(EngineEvent.Unknown.class);
            }
            assertThat(event.sequence()).isEqualTo(expectedSequence++);
            assertThat(event.timestamp()).isEqualTo(original.get("timestamp").asLong());
        }
        // Plugin downloads and policy pack loading come before it.
        assertThat(events(recording))
                .filteredOn(EngineEvent.Prelude.class::isInstance)
                .hasSize(1);
        assertThat(EVENTS.parse(lines.get(lines.size() - 1))).isInstanceOf(EngineEvent.Cancel.class);
    }

    @Test
    void stepsReadTheirMetadata() throws Exception {
        for (String line : RecordedStreams.lines("up-update")) {
            if (EVENTS.parse(line) instanceof EngineEvent.ResourcePre pre) {
                JsonNode m = JSON.readTree(line).at("/resourcePreEvent/metadata");
                assertThat(pre.metadata().op()).isEqualTo(m.get("op").asText());
                assertThat(pre.metadata().urn()).isEqualTo(m.get("urn").asText());
                assertThat(pre.metadata().type()).isEqualTo(m.get("type").asText());
                assertThat(pre.metadata().diffs()).hasSize(m.path("diffs").size());
                assertThat(pre.metadata().oldState()).isEqualTo(m.get("old").isNull() ? null : m.get("old"));
                assertThat(pre.metadata().newState()).isEqualTo(m.get("new").isNull() ? null : m.get("new"));
            }
        }
        assertThat(ops("up-update")).contains("update", "create", "same");
        assertThat(ops("destroy")).containsOnly("delete");
    }

    @Test
    void summariesCountChangesAndSayHowTheRunEnded() {
        assertThat(summary("up-create").result()).isEqualTo("succeeded");
        assertThat(summary("up-create").resourceChanges()).containsEntry("create", 4);
        assertThat(summary("up-update").resourceChanges()).containsKeys("update", "create");
        assertThat(summary("destroy").resourceChanges()).containsEntry("delete", 5);
        assertThat(summary("up-failed").result()).isEqualTo("failed");
        assertThat(summary("up-cancelled").result()).isEqualTo("failed");
    }

    @Test
    void failuresAndCancellationAreReadable() {
        assertThat(events("up-failed"))
                .filteredOn(EngineEvent.Diagnostic.class::isInstance)
                .map(e -> (EngineEvent.Diagnostic) e)
                .anySatisfy(d -> {
                    assertThat(d.severity()).isEqualTo("error");
                    assertThat(d.message()).contains(FailingDemoProgram.FAILURE);
                });
        assertThat(events("up-cancelled"))
                .filteredOn(EngineEvent.StandardOutput.class::isInstance)
                .map(e -> ((EngineEvent.StandardOutput) e).message())
                .anySatisfy(m -> assertThat(m).contains("SIGTERM received; cancelling"));
    }

    @Test
    void aFailedStepReadsItsStepAndStatus() throws Exception {
        String line = single("up-step-failed", "resOpFailedEvent");
        JsonNode original = JSON.readTree(line).get("resOpFailedEvent");

        var failed = (EngineEvent.ResourceOperationFailed) EVENTS.parse(line);

        assertThat(failed.metadata().op()).isEqualTo("read");
        assertThat(failed.metadata().urn())
                .isEqualTo("urn:pulumi:step-failed::record::pulumi:pulumi:StackReference::missing")
                .isEqualTo(original.at("/metadata/urn").asText());
        assertThat(failed.metadata().type()).isEqualTo("pulumi:pulumi:StackReference");
        assertThat(failed.metadata().provider()).contains("::pulumi:providers:pulumi::default::");
        assertThat(failed.metadata().oldState()).isNull();
        assertThat(failed.metadata().newState()).isEqualTo(original.at("/metadata/new"));
        // resource.StatusUnknown: the engine cannot tell what the failed step left behind.
        assertThat(failed.status()).isEqualTo(2);
        assertThat(failed.steps()).isEqualTo(1);
        assertThat(failed.name()).isEqualTo("resource.failed");
        // The error diagnostic before it says why, about the same resource.
        assertThat(events("up-step-failed"))
                .filteredOn(e -> e instanceof EngineEvent.Diagnostic d && "error".equals(d.severity()))
                .first()
                .satisfies(e -> {
                    assertThat(EngineEvents.urnOf(e))
                            .isEqualTo(failed.metadata().urn());
                    assertThat(((EngineEvent.Diagnostic) e).message())
                            .isEqualTo("unknown stack \"organization/record/no-such-stack\"\n");
                });
    }

    @Test
    void policyViolationsReadEveryField() {
        List<EngineEvent.Policy> violations = events("up-policy-violations").stream()
                .filter(EngineEvent.Policy.class::isInstance)
                .map(EngineEvent.Policy.class::cast)
                .toList();

        assertThat(violations).hasSize(2);
        EngineEvent.Policy advisory = violations.get(0);
        assertThat(advisory.resourceUrn()).isEqualTo("urn:pulumi:policy::record::pulumi:index:Stash::short");
        assertThat(advisory.policyPackName()).isEqualTo("recorded-policies");
        assertThat(advisory.policyPackVersion()).isEqualTo("0.1.0");
        assertThat(advisory.policyName()).isEqualTo("stash-input-length");
        assertThat(advisory.enforcementLevel()).isEqualTo("advisory");
        assertThat(advisory.severity()).isEqualTo("low");
        assertThat(advisory.message()).isEqualTo("input 'tiny' has 4 characters, fewer than 8\n");
        assertThat(advisory.mandatory()).isFalse();
        EngineEvent.Policy mandatory = violations.get(1);
        assertThat(mandatory.resourceUrn()).isEqualTo("urn:pulumi:policy::record::pulumi:index:Stash::refused");
        assertThat(mandatory.policyName()).isEqualTo("stash-input-allowed");
        assertThat(mandatory.enforcementLevel()).isEqualTo("mandatory");
        assertThat(mandatory.severity()).isEqualTo("high");
        assertThat(mandatory.message()).isEqualTo("input 'forbidden' is not allowed\n");
        assertThat(mandatory.mandatory()).isTrue();
    }

    @Test
    void pluginProgressReadsHowFarItGot() {
        List<EngineEvent.Progress> progress = events("destroy-plugin-download").stream()
                .filter(EngineEvent.Progress.class::isInstance)
                .map(EngineEvent.Progress.class::cast)
                .toList();

        assertThat(progress)
                .extracting(EngineEvent.Progress::type, EngineEvent.Progress::done)
                .containsExactly(
                        tuple("plugin-download", false),
                        tuple("plugin-download", true),
                        tuple("plugin-install", false),
                        tuple("plugin-install", true));
        EngineEvent.Progress started = progress.get(0);
        assertThat(started.id()).isEqualTo("plugin-download:recorded-1.0.0");
        assertThat(started.message()).isEqualTo("Downloading plugin recorded-1.0.0");
        assertThat(started.received()).isPositive().isLessThan(started.total());
        EngineEvent.Progress downloaded = progress.get(1);
        assertThat(downloaded.received()).isEqualTo(downloaded.total()).isEqualTo(started.total());
        assertThat(progress.get(2).message()).isEqualTo("Installing plugin recorded-1.0.0");
    }

    @Test
    void engineErrorsReadTheirMessage() throws Exception {
        List<String> lines = RecordedStreams.fixture("error-events");
        assertThat(lines).hasSize(2);
        for (String line : lines) {
            EngineEvent event = EVENTS.parse(line);

            assertThat(event).isInstanceOf(EngineEvent.Error.class);
            assertThat(((EngineEvent.Error) event).error())
                    .isEqualTo(JSON.readTree(line).at("/errorEvent/error").asText())
                    .startsWith("snapshot ");
            assertThat(event.sequence())
                    .isEqualTo(JSON.readTree(line).get("sequence").asLong());
        }
    }

    /** ce_type is {@code AuditSink.TYPE_PREFIX + name()}, ce_subject {@code urnOf} (absent when empty). */
    @Test
    void theAuditTrailTypesEachKindAndNamesItsResource() {
        var failed = event("up-step-failed", "resOpFailedEvent");
        assertThat(AuditSink.TYPE_PREFIX + failed.name()).isEqualTo("dev.provisioner.resource.failed");
        assertThat(EngineEvents.urnOf(failed))
                .isEqualTo("urn:pulumi:step-failed::record::pulumi:pulumi:StackReference::missing");

        var policy = event("up-policy-violations", "policyEvent");
        assertThat(AuditSink.TYPE_PREFIX + policy.name()).isEqualTo("dev.provisioner.policy");
        assertThat(EngineEvents.urnOf(policy)).isEqualTo("urn:pulumi:policy::record::pulumi:index:Stash::short");

        var progress = event("destroy-plugin-download", "progressEvent");
        assertThat(AuditSink.TYPE_PREFIX + progress.name()).isEqualTo("dev.provisioner.progress");
        assertThat(EngineEvents.urnOf(progress)).isEmpty();

        var error = EVENTS.parse(RecordedStreams.fixture("error-events").get(0));
        assertThat(AuditSink.TYPE_PREFIX + error.name()).isEqualTo("dev.provisioner.error");
        assertThat(EngineEvents.urnOf(error)).isEmpty();
    }

    @Test
    void aKindThisModelDoesNotKnowIsKeptWhole() throws Exception {
        // A recorded cancel event, as a newer engine might send a kind of its own with fields of its own.
        List<String> lines = RecordedStreams.lines("up-create");
        ObjectNode recorded = (ObjectNode) JSON.readTree(lines.get(lines.size() - 1));
        recorded.set("policyRemediationEvent", recorded.remove("cancelEvent"));
        ((ObjectNode) recorded.get("policyRemediationEvent"))
                .put("policyName", "p")
                .putObject("after");

        EngineEvent event = EVENTS.parse(recorded.toString());

        assertThat(event).isInstanceOf(EngineEvent.Unknown.class);
        assertThat(event.json()).isEqualTo(recorded);
        assertThat(event.kind()).isEqualTo("policyRemediationEvent");
        assertThat(event.name()).isEqualTo("policy.remediation");
    }

    @Test
    void everyRecordedKindHasAName() {
        Set<String> names = Set.copyOf(
                RecordedStreams.all().map(EVENTS::parse).map(EngineEvent::name).toList());
        assertThat(names)
                .contains(
                        "prelude",
                        "resource.pre",
                        "resource.outputs",
                        "resource.failed",
                        "diagnostic",
                        "policy",
                        "policy.analyze.summary",
                        "progress",
                        "summary",
                        "end",
                        "stdout");
    }

    @Test
    void knownSecretValuesAreMaskedEverywhereInTheEvent() throws Exception {
        String line = RecordedStreams.lines("up-create").stream()
                .filter(l -> EVENTS.parse(l) instanceof EngineEvent.ResourcePre)
                .findFirst()
                .orElseThrow();
        // Pretend the project's name were a secret: it is in every URN of the event.
        String project =
                ((EngineEvent.ResourcePre) EVENTS.parse(line)).metadata().urn().split("::")[1];

        EngineEvent event = EVENTS.parse(line, new SecretRedactor(List.of(project)));

        assertThat(event.json().toString()).doesNotContain(project).contains(SecretRedactor.MASK);
        assertThat(((EngineEvent.ResourcePre) event).metadata().urn()).contains("::" + SecretRedactor.MASK + "::");
    }

    /** The one line of {@code kind} in a recording. */
    private static String single(String recording, String kind) {
        List<String> lines = RecordedStreams.lines(recording).stream()
                .filter(l -> kind.equals(EVENTS.parse(l).kind()))
                .toList();
        assertThat(lines).as(kind + " in " + recording).hasSize(1);
        return lines.get(0);
    }

    /** The first event of {@code kind} in a recording. */
    private static EngineEvent event(String recording, String kind) {
        return events(recording).stream()
                .filter(e -> kind.equals(e.kind()))
                .findFirst()
                .orElseThrow();
    }

    private static List<EngineEvent> events(String recording) {
        return RecordedStreams.lines(recording).stream().map(EVENTS::parse).toList();
    }

    private static List<String> ops(String recording) {
        return events(recording).stream()
                .filter(EngineEvent.ResourcePre.class::isInstance)
                .map(e -> ((EngineEvent.ResourcePre) e).metadata().op())
                .toList();
    }

    private static EngineEvent.Summary summary(String recording) {
        return events(recording).stream()
                .filter(EngineEvent.Summary.class::isInstance)
                .map(EngineEvent.Summary.class::cast)
                .findFirst()
                .orElseThrow();
    }
}
