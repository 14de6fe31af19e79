package dev.provisioner.request;

import static dev.provisioner.support.Requests.request;
import static dev.provisioner.support.Requests.send;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioner.completion.DeadLetterProducer;
import dev.provisioner.contract.RequestRules;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.request.HostileCorpus.Hostile;
import dev.provisioner.support.RealParts;
import dev.provisioner.support.Requests;
import dev.provisioner.support.Schemas;
import dev.provisioner.support.Topics;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A corpus of hostile requests on the real broker: each one gets its reason on the dead-letter topic and a
 * {@code rejected} completion, nothing runs, the consumer goes on past it, nothing the service writes or
 * logs carries a control character from them, what it keeps of them is bounded, and the next good request
 * still runs. The corpus is sent once, by whichever test comes first; each record is then checked by a test
 * of its own, so that one failure hides no other.
 */
@QuarkusTest
@RealParts
class HostileRequestsTest {

    private static final Path SERVICE_LOG = Path.of("target/provisioner-test.log");
    private static final int MEBIBYTE = 1024 * 1024;
    /** The service's consumer group on the requests topic. */
    private static final String GROUP = "provisioner";

    private static final Map<String, Hostile> CORPUS = HostileCorpus.byName();

    /** Whether the corpus has been sent: it is sent once. */
    private static boolean corpusSent;
    /** What the service made of the corpus; null until it has been sent and answered. */
    private static Outcome outcome;

    /**
     * The topics once every hostile record has its completion and the good request sent after them all has
     * run ({@code good}: its completion); {@code sent} is where each hostile record went, {@code committed} how
     * far the service's group had committed on each partition then.
     */
    record Outcome(
            JsonNode good,
            Map<String, RecordMetadata> sent,
            Map<TopicPartition, Long> committed,
            List<ConsumerRecord<String, String>> deadLetters,
            List<ConsumerRecord<String, String>> completions,
            List<ConsumerRecord<String, String>> audit) {}

    static Stream<String> hostileRecords() {
        return CORPUS.keySet().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileRecords")
    void isRejectedWithItsReasonAndNothingRuns(String name) {
        Hostile hostile = CORPUS.get(name);
        Outcome outcome = outcome();

        assertThat(outcome.deadLetters())
                .as("dead letter of %s", name)
                .filteredOn(r -> Objects.equals(hostile.outputKey(), r.key()))
                .singleElement()
                .satisfies(r -> {
                    String reason = Topics.header(r, "dead-letter-reason");
                    assertThat(reason).contains(hostile.reason());
                    assertThat(RequestRules.CONTROL.matcher(reason).find())
                            .as("a control character in " + reason)
                            .isFalse();
                    assertThat(sizeOf(r)).as("the dead letter's size").isLessThan(MEBIBYTE);
                    assertThat(r.value()).as("the token is masked").doesNotContain("ttttt", "abc def");
                });
        assertThat(outcome.completions())
                .as("completion of %s", name)
                .filteredOn(r -> Objects.equals(hostile.outputKey(), r.key()))
                .singleElement()
                .satisfies(r -> {
                    JsonNode completion = Requests.parse(r.value());
                    Schemas.assertValid(Schemas.COMPLETION, completion);
                    assertThat(completion.get("status").asText()).isEqualTo("rejected");
                    assertThat(completion.at("/error/message").asText()).contains(hostile.reason());
                });
        // The audit record keeps the request's key as it came, none included.
        assertThat(outcome.audit())
                .as("nothing ran for %s", name)
                .filteredOn(r -> Objects.equals(hostile.outputKey(), r.key()))
                .extracting(r -> Topics.header(r, "ce_type"))
                .containsExactly("dev.provisioner.run.rejected");
        RecordMetadata sent = outcome.sent().get(name);
        assertThat(outcome.committed().get(new TopicPartition(sent.topic(), sent.partition())))
                .as("the service's consumer went on past %s", name)
                .isGreaterThan(sent.offset());
    }

    @Test
    void theNextGoodRequestStillRuns() {
        JsonNode good = outcome().good();
        assertThat(good).as("the completion of the good request").isNotNull();
        assertThat(good.get("status").asText()).isEqualTo("succeeded");
    }

    @Test
    void aTenMegabyteRequestIsCutShortOnTheDeadLetterTopic() {
        assertThat(outcome().deadLetters())
                .filteredOn(r -> "hostile/ten-megabytes".equals(r.key()))
                .singleElement()
                .satisfies(r -> assertThat(Topics.header(r, DeadLetterProducer.TRUNCATED_HEADER))
                        .matches("the first \\d+ of \\d{8} bytes are kept, the rest was cut"));
    }

    @Test
    void aPayloadThatIsNotJsonIsKeptAsItCameOnTheDeadLetterTopic() {
        assertThat(outcome().deadLetters())
                .filteredOn(r -> "hostile/malformed".equals(r.key()))
                .singleElement()
                .satisfies(r ->
                        assertThat(r.value()).isEqualTo(CORPUS.get("malformed").payloadText()));
    }

    @Test
    void theServiceLogCarriesNoControlCharacterFromThem() throws Exception {
        outcome();
        // Logged once the completion is out.
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> Files.readString(SERVICE_LOG).contains("(key hostile/?[31mkey?[0m?FORGED-KEY)"));
        String log = Files.readString(SERVICE_LOG);
        assertThat(log).doesNotContain("\u0000", "\u001b", "\u009b", "\u202E");
        assertThat(log.lines()).noneMatch(line -> line.startsWith("FORGED"));
    }

    /**
     * Sends the corpus and a good request after it, the first time a test asks, and waits until every record
     * has its answer and the service's group has committed past each: one round for all the tests here. The
     * waits are bounded but do not fail: each test says what is missing for its record.
     */
    private static synchronized Outcome outcome() {
        if (outcome != null) {
            return outcome;
        }
        if (corpusSent) {
            throw new IllegalStateException("the corpus was sent but its outcome is unknown: see the first failure");
        }
        corpusSent = true;
        Map<String, RecordMetadata> where = new HashMap<>();
        for (Hostile hostile : CORPUS.values()) {
            where.put(hostile.name(), Topics.sendBytes(hostile.key(), hostile.payload()));
        }
        var after = request("up", "hostile", "after", StashDemoProgram.NAME);
        after.with("config").put("count", "1");
        String goodId = send(after);
        awaitAtMost(Requests.RUN_TIMEOUT, () -> {
            List<ConsumerRecord<String, String>> all = Topics.read(Topics.COMPLETIONS);
            return !Requests.completions(all, goodId).isEmpty()
                    && CORPUS.values().stream()
                            .allMatch(h -> all.stream().anyMatch(r -> Objects.equals(h.outputKey(), r.key())));
        });
        // The group commits every few seconds, not record by record.
        Map<TopicPartition, Long> last = new HashMap<>();
        where.values().forEach(m -> last.merge(new TopicPartition(m.topic(), m.partition()), m.offset(), Math::max));
        Map<TopicPartition, Long> committed = new HashMap<>();
        awaitAtMost(Duration.ofSeconds(30), () -> {
            last.keySet().forEach(p -> committed.put(p, Topics.committed(GROUP, p)));
            return last.entrySet().stream().allMatch(e -> committed.get(e.getKey()) > e.getValue());
        });
        List<ConsumerRecord<String, String>> completions = Topics.read(Topics.COMPLETIONS);
        JsonNode good = Requests.completions(completions, goodId).stream()
                .findFirst()
                .map(r -> Requests.parse(r.value()))
                .orElse(null);
        outcome = new Outcome(
                good, where, Map.copyOf(committed), Topics.read(Topics.DLQ), completions, Topics.read(Topics.AUDIT));
        return outcome;
    }

    private static void awaitAtMost(Duration atMost, Callable<Boolean> condition) {
        try {
            Awaitility.await()
                    .atMost(atMost)
                    .pollInterval(Duration.ofMillis(250))
                    .until(condition);
        } catch (ConditionTimeoutException e) {
            // The tests say what is missing.
        }
    }

    private static long sizeOf(ConsumerRecord<String, String> record) {
        long size = record.serializedKeySize() + Math.max(0, record.serializedValueSize());
        for (Header header : record.headers()) {
            size += header.key().length() + header.value().length;
        }
        return size;
    }
}
