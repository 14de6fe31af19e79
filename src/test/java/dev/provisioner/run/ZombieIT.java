package dev.provisioner.run;

import static dev.provisioner.support.Requests.auditTrail;
import static dev.provisioner.support.Requests.awaitCompletion;
import static dev.provisioner.support.Requests.request;
import static dev.provisioner.support.Requests.send;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioner.demo.SlowDemoProgram;
import dev.provisioner.support.Fleet;
import dev.provisioner.support.Requests;
import dev.provisioner.support.Topics;
import dev.provisioner.verify.Receipt;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Replicas that stop without dying, as a zombie does: the one running a stack's {@code up} is frozen (SIGSTOP)
 * while its partition and its lease lapse and another replica takes the stack. Two replicas, hostnames of their
 * own, one shared {@code postgres://} backend, the defaults of {@code deploy/k8s}: lease 15 s, freshness 5 s,
 * watchdog 5 s, renewals every second.
 */
class ZombieIT {

    private static final String PROJECT = "zombie";
    private static final int COUNT = 30;
    private static final String STASH = "pulumi:index:Stash";
    /** freshness + watchdog + the kill (LeaseConfig.KILL_MARGIN). */
    private static final Duration CLI_DEADLINE = Duration.ofSeconds(5 + 5 + 3);
    /** The lease (15 s) after the last renewal, at most a renewal interval (1 s) before the freeze, less slack. */
    private static final Duration LEASE_AFTER_FREEZE = Duration.ofSeconds(13);
    /** The kubelet's verdict on a frozen pod with deploy/k8s' liveness probe: 3 x 2 s + 1 s timeout + 1 s grace. */
    private static final Duration LIVENESS_DEADLINE = Duration.ofSeconds(8);

    private static Fleet fleet;

    @BeforeAll
    static void open() {
        fleet = Fleet.open("zombie");
        fleet.startNext();
        fleet.startNext();
    }

    @AfterAll
    static void close() {
        fleet.close();
    }

    /**
     * Only the JVM is frozen: its CLI would go on writing the stack, but its watchdog stops hearing from the JVM
     * and kills it before the lease can lapse; the other replica takes the stack only after that. Resumed, the
     * old JVM finds its lease gone: it writes no audit record and publishes no completion.
     */
    @Test
    void aFrozenJvmsCliIsKilledByItsWatchdogBeforeTheStackIsTakenOver() {
        fleet.awaitGroup(2);
        String stack = "jvm";
        String id = send(slowUp(stack));
        Fleet.Replica runner = fleet.awaitRunner(Requests.RUN_TIMEOUT);
        awaitCreated(id, 2);
        List<ProcessHandle> clis = runner.clis();
        assertThat(clis).as("the run's CLI").isNotEmpty();
        String attempt = attemptOf(auditTrail(id).get(0));

        long frozen = System.nanoTime();
        runner.freezeJvm();
        Awaitility.await()
                .atMost(CLI_DEADLINE.plusSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> clis.stream().noneMatch(ProcessHandle::isAlive));
        long cliDeadWall = System.currentTimeMillis();
        Duration cliLived = Duration.ofNanos(System.nanoTime() - frozen);

        JsonNode done = awaitCompletion(id);
        Duration takenOver = Duration.ofNanos(System.nanoTime() - frozen);
        long thawedWall = System.currentTimeMillis();
        runner.thaw(List.of());
        // The resumed JVM reads its lease topic and its run's end; what it would write, it writes now. A
        // request behind on the stack, served by the new holder, shows the stack's trail after that.
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> runner.process().log().contains("the stack's lease was lost"));
        // Its consumer may have its partitions back by now, with its run's channel failed: out of the way.
        runner.process().kill();
        JsonNode after = awaitCompletion(send(preview(stack)));

        List<ConsumerRecord<String, String>> trail = auditTrail(id);
        ConsumerRecord<String, String> firstOfSuccessor = trail.stream()
                .filter(r -> !attemptOf(r).equals(attempt))
                .findFirst()
                .orElseThrow();
        List<ConsumerRecord<String, String>> lateOfZombie = trail.stream()
                .filter(r -> attemptOf(r).equals(attempt) && r.timestamp() >= cliDeadWall)
                .toList();
        System.out.printf(
                "FIGURE zombie jvm: CLI killed by its watchdog %.1f s after the JVM froze; stack taken over"
                        + " %.1f s after the freeze (successor's first record %d ms after the CLI's death);"
                        + " zombie records after its CLI's death: %d%n",
                cliLived.toMillis() / 1e3,
                takenOver.toMillis() / 1e3,
                firstOfSuccessor.timestamp() - cliDeadWall,
                lateOfZombie.size());

        assertThat(cliLived).as("the watchdog kills the CLI in time").isLessThan(CLI_DEADLINE);
        assertThat(firstOfSuccessor.timestamp())
                .as("no other replica writes the stack while the frozen JVM's CLI lives")
                .isGreaterThan(cliDeadWall);
        assertThat(done.get("status").asText()).as("%s", done).isEqualTo("succeeded");
        assertThat(after.get("status").asText()).isEqualTo("succeeded");
        assertThat(Requests.completions(Topics.read(Topics.COMPLETIONS), id))
                .as("one completion: the resumed JVM publishes none")
                .hasSize(1);
        assertThat(lateOfZombie)
                .as("the resumed JVM writes nothing to the stack's trail")
                .isEmpty();
        assertThat(trail.stream()
                        .filter(r -> r.timestamp() >= thawedWall && attemptOf(r).equals(attempt)))
                .isEmpty();
        assertThat(FailoverIT.verify(PROJECT, stack, Receipt.parse(after.toString()))
                        .intact())
                .isTrue();
        assertState(stack);
        fleet.startNext();
    }

    /**
     * The whole replica is frozen (JVM, CLI, watchdog): nothing in it can act, and its lease alone cannot stop
     * its CLI once it resumes. The README's promise: the kubelet kills it at its liveness deadline, before its
     * lease lapses; the other replica waits for the lease, not only for the consumer group's verdict.
     */
    @Test
    void aWholeFrozenReplicaIsKilledAtItsLivenessDeadlineBeforeItsLeaseLapses() {
        fleet.awaitGroup(2);
        String stack = "pod";
        String id = send(slowUp(stack));
        Fleet.Replica runner = fleet.awaitRunner(Requests.RUN_TIMEOUT);
        awaitCreated(id, 2);
        String attempt = attemptOf(auditTrail(id).get(0));

        long frozenWall = System.currentTimeMillis();
        runner.freezeAll();
        // The kubelet: three probes unanswered, then the kill.
        Awaitility.await()
                .pollDelay(LIVENESS_DEADLINE)
                .atMost(LIVENESS_DEADLINE.plusSeconds(1))
                .until(() -> true);
        assertThat(auditTrail(id).stream().filter(r -> !attemptOf(r).equals(attempt)))
                .as("nobody took the stack before the liveness deadline")
                .isEmpty();
        runner.process().kill();

        JsonNode done = awaitCompletion(id);
        JsonNode after = awaitCompletion(send(preview(stack)));
        List<ConsumerRecord<String, String>> trail = auditTrail(id);
        long takeover = trail.stream()
                        .filter(r -> !attemptOf(r).equals(attempt))
                        .findFirst()
                        .orElseThrow()
                        .timestamp()
                - frozenWall;
        System.out.printf(
                "FIGURE zombie pod: killed %d ms after the freeze (liveness); stack taken over %d ms after it%n",
                LIVENESS_DEADLINE.toMillis(), takeover);

        assertThat(takeover)
                .as("the successor waited for the lease, not only for the session timeout (10 s)")
                .isGreaterThanOrEqualTo(LEASE_AFTER_FREEZE.toMillis());
        assertThat(done.get("status").asText()).as("%s", done).isEqualTo("succeeded");
        assertThat(after.get("status").asText()).isEqualTo("succeeded");
        assertThat(Requests.completions(Topics.read(Topics.COMPLETIONS), id)).hasSize(1);
        assertThat(trail.stream().map(r -> Topics.header(r, "ce_id")).toList()).doesNotHaveDuplicates();
        assertThat(FailoverIT.verify(PROJECT, stack, Receipt.parse(after.toString()))
                        .intact())
                .isTrue();
        assertState(stack);
        fleet.startNext();
    }

    private static void assertState(String stack) {
        assertThat(fleet.resourceNames(PROJECT, stack, STASH)).hasSize(COUNT);
        assertThat(fleet.deployment(PROJECT, stack).path("pending_operations")).isEmpty();
        assertThat(fleet.lockKeys(PROJECT, stack)).as("no lock left").isEmpty();
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode slowUp(String stack) {
        var up = request("up", PROJECT, stack, SlowDemoProgram.NAME);
        up.with("config").put("count", Integer.toString(COUNT)).put("delayMs", "500");
        return up;
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode preview(String stack) {
        var preview = request("preview", PROJECT, stack, SlowDemoProgram.NAME);
        preview.with("config").put("count", Integer.toString(COUNT)).put("delayMs", "0");
        return preview;
    }

    private static String attemptOf(ConsumerRecord<String, String> record) {
        return Requests.parse(record.value()).path("attempt").asText();
    }

    private static void awaitCreated(String id, int created) {
        Awaitility.await()
                .atMost(Requests.RUN_TIMEOUT)
                .pollInterval(Duration.ofMillis(50))
                .until(() -> auditTrail(id).stream()
                                .filter(r -> "dev.provisioner.resource.outputs".equals(Topics.header(r, "ce_type"))
                                        && String.valueOf(Topics.header(r, "ce_subject"))
                                                .contains(STASH))
                                .count()
                        >= created);
    }
}
