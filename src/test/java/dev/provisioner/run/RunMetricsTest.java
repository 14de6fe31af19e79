package dev.provisioner.run;

import static dev.provisioner.support.Requests.awaitAudit;
import static dev.provisioner.support.Requests.awaitCompletion;
import static dev.provisioner.support.Requests.request;
import static dev.provisioner.support.Requests.send;
import static dev.provisioner.support.Requests.withOtel;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioner.demo.SlowDemoProgram;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.support.Metrics;
import dev.provisioner.support.RealParts;
import dev.provisioner.support.Requests;
import dev.provisioner.support.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** What {@code /q/metrics} says about real runs: the growth of each metric across them. */
@QuarkusTest
@RealParts
class RunMetricsTest {

    private static final String UP = "operation=\"up\"";
    private static final String SUCCEEDED = "result=\"succeeded\"";

    @Test
    void aRunIsCountedTimedAndItsEventsAndRecordsToo() {
        Metrics before = Metrics.scrape();
        var up = withOtel(request("up", "metrics", "dev", StashDemoProgram.NAME), "APPM", "token-metrics");
        up.with("config").put("count", "3");
        String id = send(up);
        JsonNode done = awaitCompletion(id);
        awaitRuns(before, 1, "provisioner_runs_total", UP, SUCCEEDED);

        Metrics after = Metrics.scrape();
        assertThat(done.get("status").asText()).isEqualTo("succeeded");
        assertThat(after.since(before, "provisioner_runs_total", UP, SUCCEEDED, "redelivered=\"false\""))
                .isEqualTo(1);
        assertThat(after.since(before, "provisioner_run_duration_seconds_count", UP, SUCCEEDED))
                .isEqualTo(1);
        assertThat(after.since(before, "provisioner_run_duration_seconds_sum", UP, SUCCEEDED))
                .isEqualTo(done.get("durationMs").asDouble() / 1000, org.assertj.core.data.Offset.offset(0.001));
        assertThat(after.sum("provisioner_run_duration_seconds_bucket", UP, SUCCEEDED, "le=\"+Inf\""))
                .isEqualTo(after.sum("provisioner_run_duration_seconds_count", UP, SUCCEEDED));
        assertThat(after.since(before, "provisioner_resource_changes_total", "op=\"create\""))
                .isEqualTo(done.at("/resourceChanges/create").asDouble())
                .isEqualTo(5);
        assertThat(after.since(before, "provisioner_engine_events_total"))
                .isEqualTo(done.at("/events/total").asDouble());
        assertThat(after.since(before, "provisioner_engine_events_total", "kind=\"summary\""))
                .isEqualTo(1);
        assertThat(after.since(before, "provisioner_otel_records_total", "outcome=\"exported\""))
                .isEqualTo(done.at("/events/otelExported").asDouble())
                .isPositive();
        assertThat(after.since(before, "provisioner_otel_records_total", "outcome=\"dropped\""))
                .isZero();
        // The completion counts the records acknowledged before it; the "completed" record follows it.
        assertThat(after.since(before, "provisioner_audit_records_total", "outcome=\"published\""))
                .isEqualTo(done.at("/events/audited").asDouble() + 1);
        assertThat(after.since(before, "provisioner_audit_records_total", "outcome=\"failed\""))
                .isZero();
        assertThat(after.sum("provisioner_runs_in_flight")).isZero();
    }

    @Test
    void aRejectedRequestIsCountedWithItsDeadLetter() {
        Metrics before = Metrics.scrape();
        var bad = request("up", "metrics", "rejected", "no-such-program");
        String id = send(bad);
        JsonNode done = awaitCompletion(id);
        awaitRuns(before, 1, "provisioner_runs_total", "result=\"rejected\"");

        Metrics after = Metrics.scrape();
        assertThat(done.get("status").asText()).isEqualTo("rejected");
        // A rejected completion names the operation when the payload had a valid one.
        assertThat(after.since(before, "provisioner_runs_total", "operation=\"up\"", "result=\"rejected\""))
                .isEqualTo(1);
        assertThat(after.since(before, "provisioner_dead_letters_total")).isEqualTo(1);
    }

    @Test
    void requestsQueuedBehindARunAreGaugedPerStack() {
        String queuedOnStack = "project=\"metrics\",stack=\"queue\"";
        ObjectNode slow = request("up", "metrics", "queue", SlowDemoProgram.NAME);
        slow.with("config").put("count", "6").put("delayMs", "500");
        String slowId = send(slow);
        awaitAudit(slowId, "dev.provisioner.run.started");
        ObjectNode next = request("up", "metrics", "queue", StashDemoProgram.NAME);
        given().auth()
                .oauth2(Tokens.submitter())
                .contentType(ContentType.JSON)
                .body(next.toString())
                .post("/provisions")
                .then()
                .statusCode(202);

        Metrics during = Metrics.scrape();
        assertThat(during.sum("provisioner_requests_queued", queuedOnStack)).isEqualTo(1);
        assertThat(during.sum("provisioner_runs_in_flight")).isGreaterThanOrEqualTo(1);

        awaitCompletion(slowId);
        awaitCompletion(next.get("requestId").asText());
        Awaitility.await()
                .atMost(Requests.RUN_TIMEOUT)
                .until(() -> Metrics.scrape().sum("provisioner_runs_in_flight") == 0);
        assertThat(Metrics.scrape().sum("provisioner_requests_queued", queuedOnStack))
                .isZero();
    }

    /** The metrics follow the completion by a moment: wait until they have it. */
    private static void awaitRuns(Metrics before, double runs, String name, String... labels) {
        Awaitility.await()
                .atMost(Requests.RUN_TIMEOUT)
                .until(() -> Metrics.scrape().since(before, name, labels) >= runs);
    }
}
