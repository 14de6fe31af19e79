package dev.provisioner.request;

import static dev.provisioner.support.Requests.awaitCompletion;
import static dev.provisioner.support.Requests.request;
import static dev.provisioner.support.Requests.send;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.support.RealParts;
import dev.provisioner.support.Requests;
import dev.provisioner.support.Schemas;
import dev.provisioner.support.Topics;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Bad requests on the real broker: each lands on the dead-letter topic with its reason and gets a
 * {@code rejected} completion and audit record; nothing runs, and the next good request still does.
 */
@QuarkusTest
@RealParts
class RejectedRequestsTest {

    /** Key → payload → words the reason must contain. */
    private static final List<List<String>> BAD = List.of(
            List.of("bad/json", "{\"requestId\": \"r-bad-json\", \"operation\": ", "not valid JSON"),
            List.of("bad/array", "[1, 2]", "must be a JSON object"),
            List.of(
                    "bad/program",
                    request("up", "bad", "program", "no-such-program").toString(),
                    "program 'no-such-program' is not in the catalog"),
            List.of(
                    "bad/names",
                    request("up", "../etc", "a b", StashDemoProgram.NAME).toString(),
                    "project must be"),
            List.of("bad/missing", "{\"requestId\": \"r-missing\"}", "operation is required"),
            List.of(
                    "bad/operation",
                    request("rollback", "bad", "operation", StashDemoProgram.NAME)
                            .toString(),
                    "operation must be one of up, destroy, preview, refresh"),
            List.of(
                    "bad/key",
                    request("up", "bad", "keyed-otherwise", StashDemoProgram.NAME)
                            .toString(),
                    "the record key must be project/stack"));

    @Test
    void badRequestsAreRejectedAndTheNextGoodOneRuns() {
        for (List<String> bad : BAD) {
            Topics.send(bad.get(0), bad.get(1));
        }
        var good = request("up", "after-rejects", "dev", StashDemoProgram.NAME);
        good.with("config").put("count", "1");
        String goodId = send(good);

        JsonNode done = awaitCompletion(goodId);

        assertThat(done.get("status").asText()).isEqualTo("succeeded");
        List<ConsumerRecord<String, String>> dlq = Topics.read(Topics.DLQ);
        List<ConsumerRecord<String, String>> completions = Topics.read(Topics.COMPLETIONS);
        List<ConsumerRecord<String, String>> audit = Topics.read(Topics.AUDIT);
        for (List<String> bad : BAD) {
            String key = bad.get(0);
            String reasonWords = bad.get(2);
            assertThat(dlq)
                    .as("dead letter of %s", key)
                    .filteredOn(r -> key.equals(r.key()))
                    .singleElement()
                    .satisfies(r -> {
                        assertThat(Topics.header(r, "dead-letter-reason")).contains(reasonWords);
                        assertThat(Topics.header(r, "dead-letter-topic")).isEqualTo(Topics.REQUESTS);
                    });
            assertThat(completions)
                    .as("completion of %s", key)
                    .filteredOn(r -> key.equals(r.key()))
                    .singleElement()
                    .satisfies(r -> {
                        JsonNode completion = Requests.parse(r.value());
                        Schemas.assertValid(Schemas.COMPLETION, completion);
                        assertThat(completion.get("status").asText()).isEqualTo("rejected");
                        assertThat(completion.at("/error/type").asText()).isEqualTo("rejected");
                        assertThat(completion.at("/error/message").asText()).contains(reasonWords);
                    });
            assertThat(audit)
                    .as("audit record of %s", key)
                    .filteredOn(r -> key.equals(r.key()))
                    .singleElement()
                    .satisfies(r -> {
                        assertThat(Topics.header(r, "ce_type")).isEqualTo("dev.provisioner.run.rejected");
                        Schemas.assertValid(Schemas.AUDIT_RECORD, Requests.parse(r.value()));
                    });
        }
        assertThat(dlq)
                .filteredOn(r -> "bad/json".equals(r.key()))
                .singleElement()
                .satisfies(r -> assertThat(r.value())
                        .as("the payload is kept as it came")
                        .isEqualTo(BAD.get(0).get(1)));
        assertThat(Requests.completions(completions, "r-missing")).hasSize(1);
        assertThat(completions)
                .filteredOn(r -> "bad/program".equals(r.key()))
                .singleElement()
                .satisfies(r -> {
                    // A rejected completion names what could be read of the request.
                    JsonNode completion = Requests.parse(r.value());
                    assertThat(completion.get("operation").asText()).isEqualTo("up");
                    assertThat(completion.get("project").asText()).isEqualTo("bad");
                    assertThat(completion.get("stack").asText()).isEqualTo("program");
                });
        assertThat(Requests.map(done.get("resourceChanges"))).containsOnly(Map.entry("create", 3));
    }
}
