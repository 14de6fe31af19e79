package dev.provisioner.completion;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.provisioner.contract.Utf8;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What a dead letter keeps of a payload that is not JSON, is cut short, or is hostile in size. */
class DeadLetterProducerTest {

    private final DeadLetterProducer producer = new DeadLetterProducer(null, new ObjectMapper());

    @Test
    void aLongTokenInAPayloadThatIsNotJsonIsMaskedWithoutOverflowingTheStack() {
        String token = "t".repeat(2_000_000);
        String payload = "{\"otel\": {\"authToken\": \"" + token + "\", \"appCode\": \"A\"}, \"requestId\": ";

        String kept = producer.redact(payload);

        assertThat(kept).doesNotContain("ttttt").contains("\"authToken\": \"[redacted]\", \"appCode\"");
    }

    @Test
    void aTokenOrSecretsCutShortAreMaskedToTheEnd() {
        assertThat(producer.redact("{\"otel\": {\"authToken\": \"s3cr3t-tok\\\"en"))
                .isEqualTo("{\"otel\": {\"authToken\": \"[redacted]");
        assertThat(producer.redact("{\"secretConfig\": {\"a\": \"x}y-secret\", \"b\": \"z-sec"))
                .isEqualTo("{\"secretConfig\": \"[redacted]\"");
    }

    @Test
    void secretValuesWithBracesInAPayloadThatIsNotJsonAreMaskedWhole() {
        String kept = producer.redact("{\"secretConfig\": {\"a\": \"}one-secret{\", \"b\": \"two-secret\"}, \"x\": ");

        assertThat(kept).doesNotContain("secret\"").isEqualTo("{\"secretConfig\": \"[redacted]\", \"x\": ");
    }

    @Test
    void aPrefixNeverSplitsACharacter() {
        String text = "aé€😀";

        assertThat(Utf8.length(text)).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
        assertThat(Utf8.prefix(text, 1)).isEqualTo("a");
        assertThat(Utf8.prefix(text, 2)).isEqualTo("a");
        assertThat(Utf8.prefix(text, 3)).isEqualTo("aé");
        assertThat(Utf8.prefix(text, 9)).isEqualTo("aé€");
        assertThat(Utf8.prefix(text, 10)).isEqualTo(text);
    }
}
