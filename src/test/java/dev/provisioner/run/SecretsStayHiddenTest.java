package dev.provisioner.run;

import static dev.provisioner.support.Requests.awaitCompletion;
import static dev.provisioner.support.Requests.request;
import static dev.provisioner.support.Requests.send;
import static dev.provisioner.support.Requests.withOtel;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.support.OtlpReceiverResource;
import dev.provisioner.support.RealParts;
import dev.provisioner.support.Topics;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * The auth token reaches the OTLP endpoint and nowhere else; secret config values stay secret. Every
 * topic and the service's log are searched for them after a run and a rejection that carried both.
 */
@QuarkusTest
@RealParts
class SecretsStayHiddenTest {

    private static final Path SERVICE_LOG = Path.of("target/provisioner-test.log");

    @Test
    void neitherTokenNorSecretLeavesTheService() throws Exception {
        String token = "tok-" + UUID.randomUUID();
        String secret = "sec-" + UUID.randomUUID();
        var run = withOtel(request("up", "secrets", "dev", StashDemoProgram.NAME), "APP2", token);
        run.with("secretConfig").put("secret", secret);
        var rejected = withOtel(request("up", "secrets", "rejected", StashDemoProgram.NAME), "APP2", token);
        rejected.with("secretConfig").put("secret", secret);
        rejected.put("unexpected", true);

        send(rejected);
        JsonNode done = awaitCompletion(send(run));

        assertThat(done.get("status").asText()).isEqualTo("succeeded");
        assertThat(done.at("/outputs/secret").asText()).isEqualTo("[secret]");
        assertThat(OtlpReceiverResource.receiver().exports())
                .as("the token does reach the OTLP endpoint")
                .anySatisfy(e -> assertThat(e.header("Authorization")).isEqualTo("Bearer " + token));
        for (String topic : List.of(Topics.AUDIT, Topics.COMPLETIONS, Topics.DLQ)) {
            List<ConsumerRecord<String, String>> records = Topics.read(topic);
            assertThat(records).as(topic).isNotEmpty();
            for (ConsumerRecord<String, String> record : records) {
                assertThat(text(record)).as("a record on %s", topic).doesNotContain(token, secret);
            }
        }
        assertThat(Topics.read(Topics.DLQ))
                .filteredOn(r -> "secrets/rejected".equals(r.key()))
                .singleElement()
                .satisfies(r -> assertThat(r.value()).contains("\"authToken\":\"[redacted]\""));
        assertThat(Files.readString(SERVICE_LOG)).doesNotContain(token, secret).contains("secrets/dev");
    }

    private static String text(ConsumerRecord<String, String> record) {
        var all = new StringBuilder(String.valueOf(record.key())).append(record.value());
        for (Header header : record.headers()) {
            all.append(header.key()).append(new String(header.value(), StandardCharsets.UTF_8));
        }
        return all.toString();
    }
}
