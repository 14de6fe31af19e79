package dev.provisioner.run;

import static dev.provisioner.support.Requests.auditTrail;
import static dev.provisioner.support.Requests.awaitCompletion;
import static dev.provisioner.support.Requests.request;
import static dev.provisioner.support.Requests.send;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioner.audit.chain.Signatures;
import dev.provisioner.demo.SlowDemoProgram;
import dev.provisioner.support.Fleet;
import dev.provisioner.support.KafkaBrokerResource;
import dev.provisioner.support.PostgresServer;
import dev.provisioner.support.Requests;
import dev.provisioner.support.Topics;
import dev.provisioner.verify.ChainVerifier;
import dev.provisioner.verify.Receipt;
import dev.provisioner.verify.TrailReader;
import dev.provisioner.verify.VerificationReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two replicas, each with a hostname of its own, one consumer group, one shared {@code postgres://} backend. The
 * replica running a long {@code up} is killed (SIGKILL, its CLI with it, as when its pod is) at a given point;
 * the other one takes the stack over once the dead one's lease has lapsed, without a person: it recovers the
 * dead CLI's lock (audited first) and completes the request once; the stack holds every resource, no lock, and
 * the audit chain loses and repeats no record. A new replica replaces the dead one for the next point.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailoverIT {

    private static final String PROJECT = "failover";
    private static final int COUNT = 8;
    private static final String STASH = "pulumi:index:Stash";

    private static Fleet fleet;

    @BeforeAll
    static void open() {
        fleet = Fleet.open("failover");
        fleet.startNext();
        fleet.startNext();
    }

    @AfterAll
    static void close() {
        fleet.close();
    }

    /** @param createdBeforeKill Stash resources the run has created when its replica is killed */
    @Order(1)
    @ParameterizedTest(name = "killed after {0} of " + COUNT + " resources")
    @ValueSource(ints = {0, COUNT / 2, COUNT - 1})
    void theOtherReplicaTakesTheStackOverAndCompletesOnce(int createdBeforeKill) {
        killAndTakeOver(fleet, "postgres", PROJECT, "k" + createdBeforeKill, createdBeforeKill);
        // Only now: a replica joining while the takeover runs would move partitions, a rebalance this test is
        // not about (the intake's revocation handling is).
        fleet.startNext();
    }

    /**
     * The shared backend goes away: every replica turns unready (its backend check fails), and a request waits
     * without taking its stack's lease (it writes nothing, not even its accepted record) until the backend is back;
     * then it runs once.
     */
    @Order(2)
    @Test
    void aReplicaThatCannotReachTheBackendIsNotReadyAndTakesNoLease() {
        fleet.awaitGroup(2);
        var postgres = (PostgresServer) fleet.backend();
        var up = request("up", PROJECT, "outage", SlowDemoProgram.NAME);
        up.with("config").put("count", "2").put("delayMs", "0");
        String id;
        postgres.pause();
        try {
            for (Fleet.Replica replica : fleet.running()) {
                Awaitility.await()
                        .atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofSeconds(1))
                        .ignoreExceptions()
                        .until(() -> {
                            String ready = readiness(replica);
                            return ready.startsWith("503") && ready.contains("\"pulumi-backend\"");
                        });
            }
            id = send(up);
            Awaitility.await()
                    .during(Duration.ofSeconds(8))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> auditTrail(id).isEmpty());
        } finally {
            postgres.resume();
        }
        JsonNode done = awaitCompletion(id);
        assertThat(done.get("status").asText()).as("%s", done).isEqualTo("succeeded");
        assertThat(Requests.completions(Topics.read(Topics.COMPLETIONS), id)).hasSize(1);
    }

    /** {@code GET /q/health/ready}: the status code, a space, the body. */
    private static String readiness(Fleet.Replica replica) throws Exception {
        var response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + replica.httpPort() + "/q/health/ready"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + " " + response.body();
    }

    /**
     * Kills the replica that runs an {@code up} of {@code project/stack} once {@code createdBeforeKill} resources
     * exist, and checks the takeover by the other one; the fleet is left with one replica fewer.
     */
    static void killAndTakeOver(Fleet fleet, String backend, String project, String stack, int createdBeforeKill) {
        fleet.awaitGroup(2);
        var up = request("up", project, stack, SlowDemoProgram.NAME);
        up.with("config").put("count", Integer.toString(COUNT)).put("delayMs", "400");
        String id = send(up);
        Fleet.Replica runner = fleet.awaitRunner(Requests.RUN_TIMEOUT);
        awaitProgress(id, createdBeforeKill);

        long killed = System.nanoTime();
        runner.process().kill();
        JsonNode done = awaitCompletion(id);
        long tookOver = System.nanoTime();
        // Behind the request on its stack: once it is done, a second delivery would have been too.
        var preview = request("preview", project, stack, SlowDemoProgram.NAME);
        preview.with("config").put("count", Integer.toString(COUNT)).put("delayMs", "0");
        JsonNode after = awaitCompletion(send(preview));

        List<ConsumerRecord<String, String>> trail = auditTrail(id);
        List<String> ids = trail.stream().map(r -> Topics.header(r, "ce_id")).toList();
        long duplicates = ids.size() - ids.stream().distinct().count();
        VerificationReport chain = verify(project, stack, Receipt.parse(after.toString()));
        System.out.printf(
                "FIGURE failover %s: killed %s after %d of %d resources: completion %.1f s after the kill;"
                        + " audit records of the request %d, duplicated %d; chain intact %s%n",
                backend,
                runner.hostname(),
                createdBeforeKill,
                COUNT,
                (tookOver - killed) / 1e9,
                ids.size(),
                duplicates,
                chain.intact());

        assertThat(done.get("status").asText()).as("%s", done).isEqualTo("succeeded");
        assertThat(Requests.completions(Topics.read(Topics.COMPLETIONS), id))
                .as("one completion")
                .hasSize(1);
        assertThat(after.get("status").asText()).isEqualTo("succeeded");
        assertThat(ids).as("no audit record twice").doesNotHaveDuplicates();
        assertThat(chain.intact())
                .as("the stack's chain loses no record: %s", chain)
                .isTrue();

        JsonNode recovered = trail.stream()
                .filter(r -> "dev.provisioner.run.recovered".equals(Topics.header(r, "ce_type")))
                .map(r -> Requests.parse(r.value()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no recovered record"));
        assertThat(recovered.at("/details/staleLocks"))
                .singleElement()
                .satisfies(lock -> assertThat(lock.get("hostname").asText()).isEqualTo(runner.hostname()));
        assertThat(recovered.at("/details/leaseHolder").asText()).startsWith(runner.hostname() + "/");

        assertThat(fleet.resourceNames(project, stack, STASH))
                .containsExactlyInAnyOrderElementsOf(
                        IntStream.range(0, COUNT).mapToObj(i -> "slow-" + i).toList());
        assertThat(fleet.deployment(project, stack).path("pending_operations")).isEmpty();
        assertThat(fleet.lockKeys(project, stack)).as("no lock left").isEmpty();
    }

    /** Waits until the run is under way with {@code created} Stash resources made (0: its engine has started). */
    private static void awaitProgress(String id, int created) {
        Awaitility.await()
                .atMost(Requests.RUN_TIMEOUT)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    List<ConsumerRecord<String, String>> trail = auditTrail(id);
                    if (created == 0) {
                        return trail.stream()
                                .anyMatch(r -> "dev.provisioner.resource.pre".equals(Topics.header(r, "ce_type")));
                    }
                    return trail.stream()
                                    .filter(r -> "dev.provisioner.resource.outputs".equals(Topics.header(r, "ce_type"))
                                            && String.valueOf(Topics.header(r, "ce_subject"))
                                                    .contains(STASH))
                                    .count()
                            >= created;
                });
    }

    static VerificationReport verify(String stack, Receipt receipt) {
        return verify(PROJECT, stack, receipt);
    }

    static VerificationReport verify(String project, String stack, Receipt receipt) {
        var reader = TrailReader.of(KafkaBrokerResource.bootstrapServers(), Duration.ofMinutes(1));
        try {
            var key = Signatures.publicKey(Files.readString(Path.of("src/test/resources/audit-keys/k1.pub.pem")));
            return new ChainVerifier(Map.of("k1", key))
                    .verify(reader.read(Topics.AUDIT, project + "/" + stack), Optional.of(receipt));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
