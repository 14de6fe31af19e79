package dev.provisioner.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.provisioner.event.EngineEvents;
import dev.provisioner.event.RecordedStreams;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a run's summary (its completion's counts and error) makes of the streams recorded from the real CLI. */
class RunSummaryTest {

    private static final EngineEvents EVENTS = new EngineEvents(new ObjectMapper());

    @Test
    void aFailedStepIsOneOfTheReasons() {
        RunSummary summary = summarize(RecordedStreams.lines("up-step-failed"));

        assertThat(summary.result()).isEqualTo("failed");
        assertThat(summary.resourceChanges()).isEqualTo(Map.of("create", 1));
        assertThat(summary.errors())
                .isEqualTo(String.join(
                        "\n",
                        "unknown stack \"organization/record/no-such-stack\"",
                        "read urn:pulumi:step-failed::record::pulumi:pulumi:StackReference::missing failed",
                        "update failed"));
    }

    @Test
    void aMandatoryPolicyViolationIsWhyTheRunFailedAndAnAdvisoryOneIsNot() {
        RunSummary summary = summarize(RecordedStreams.lines("up-policy-violations"));

        assertThat(summary.result()).isEqualTo("failed");
        // The engine sends no error diagnostic for it: without the violation the completion would have no reason.
        assertThat(summary.errors())
                .isEqualTo(
                        "policy recorded-policies/stash-input-allowed (mandatory)"
                                + " on urn:pulumi:policy::record::pulumi:index:Stash::refused: input 'forbidden' is not allowed");
    }

    @Test
    void pluginProgressIsNoError() {
        List<String> lines = RecordedStreams.lines("destroy-plugin-download");
        RunSummary summary = summarize(lines);

        assertThat(summary.result()).isEqualTo("succeeded");
        assertThat(summary.errors()).isNull();
        assertThat(summary.resourceChanges()).isEmpty();
        assertThat(summary.total()).isEqualTo(lines.size());
    }

    @Test
    void engineErrorsAreReasonsInTheirOrder() {
        List<String> lines = RecordedStreams.fixture("error-events");
        RunSummary summary = summarize(lines);

        assertThat(summary.errors().lines())
                .hasSize(2)
                .satisfiesExactly(
                        first -> assertThat(first).startsWith("snapshot integrity error (auto-repaired): "),
                        second -> assertThat(second).startsWith("snapshot mismatch: "));
        // No summary event among them, so no result.
        assertThat(summary.result()).isNull();
    }

    private static RunSummary summarize(List<String> lines) {
        RunSummary summary = new RunSummary();
        lines.stream().map(EVENTS::parse).forEach(summary::accept);
        return summary;
    }
}
