package dev.provisioner.run;

import static dev.provisioner.support.Requests.auditTrail;
import static dev.provisioner.support.Requests.awaitCompletion;
import static dev.provisioner.support.Requests.request;
import static dev.provisioner.support.Requests.send;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioner.audit.chain.Signatures;
import dev.provisioner.demo.SlowDemoProgram;
import dev.provisioner.support.KafkaBrokerResource;
import dev.provisioner.support.PackagedService;
import dev.provisioner.support.Requests;
import dev.provisioner.support.Schemas;
import dev.provisioner.support.ServiceProcess;
import dev.provisioner.support.StackState;
import dev.provisioner.support.Topics;
import dev.provisioner.verify.ChainVerifier;
import dev.provisioner.verify.Receipt;
import dev.provisioner.verify.TrailReader;
import dev.provisioner.verify.VerificationReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged service is killed (SIGKILL, with its CLI, as when its container is killed) in the middle of
 * an {@code up}, then started again on the same work dir: the request is delivered again, the stale lock
 * the killed CLI left is recognised and removed, and the request completes once; the audit records of both
 * attempts keep ids of their own.
 */
class CrashRecoveryIT {

    private static final String PROJECT = "crash";
    private static final String STACK = "dev";
    private static final int COUNT = 10;

    private static final String STASH = "pulumi:index:Stash";

    private PackagedService service;

    @BeforeEach
    void open() {
        service = PackagedService.open("crash-recovery");
    }

    @AfterEach
    void close() {
        service.close();
    }

    @Test
    void aRequestCutShortByAKillCompletesOnceAfterTheRestart() {
        ServiceProcess first = service.start(Map.of());
        // A request that ends before the crash: the stack's chain then holds a checkpoint signed with k1.
        var warmUp = request("preview", PROJECT, STACK, SlowDemoProgram.NAME);
        warmUp.with("config").put("count", "1").put("delayMs", "0");
        assertThat(awaitCompletion(send(warmUp)).at("/receipt/keyId").asText()).isEqualTo("k1");
        var slow = request("up", PROJECT, STACK, SlowDemoProgram.NAME);
        slow.with("config").put("count", Integer.toString(COUNT)).put("delayMs", "500");
        String id = send(slow);
        Requests.awaitCreated(id, STASH);

        List<ProcessHandle> cli = first.children();
        assertThat(first.kill()).as("killed by SIGKILL").isEqualTo(ServiceProcess.SIGKILL_EXIT);

        StackState stack = service.stack(PROJECT, STACK);
        assertThat(stack.lockFiles()).as("the killed CLI left its lock").hasSize(1);
        assertThat(Requests.completions(Topics.read(Topics.COMPLETIONS), id)).isEmpty();

        // The replacement signs with a new key (a rotation): the chain goes on across the crash and the keys.
        ServiceProcess second = service.start(Map.of(
                "provisioner.audit.signing.key-file",
                Path.of("src/test/resources/audit-keys/k2.pem").toAbsolutePath().toString(),
                "provisioner.audit.signing.key-id",
                "k2"));
        JsonNode done = awaitCompletion(id);
        // Behind the request on its stack: once this one is done, any second delivery would have been too.
        var preview = request("preview", PROJECT, STACK, SlowDemoProgram.NAME);
        preview.with("config").put("count", Integer.toString(COUNT)).put("delayMs", "0");
        JsonNode after = awaitCompletion(send(preview));

        Schemas.assertValid(Schemas.COMPLETION, done);
        assertThat(done.get("status").asText()).as(second.logFile().toString()).isEqualTo("succeeded");
        assertThat(done.get("redelivered").asBoolean()).isFalse();
        assertThat(done.at("/resourceChanges/same").asInt())
                .as("what the killed run created is kept, not made again: the stack and a Stash at least")
                .isGreaterThanOrEqualTo(2);
        assertThat(done.at("/resourceChanges/same").asInt()
                        + done.at("/resourceChanges/create").asInt())
                .isEqualTo(COUNT + 1);
        assertThat(after.get("status").asText()).isEqualTo("succeeded");
        assertThat(Requests.completions(Topics.read(Topics.COMPLETIONS), id))
                .as("one completion")
                .hasSize(1);

        List<ConsumerRecord<String, String>> trail = auditTrail(id);
        assertThat(trail.stream()
                        .map(r -> Requests.parse(r.value()).get("attempt").asText())
                        .distinct())
                .as("the killed attempt and the one that completed")
                .hasSize(2);
        assertThat(trail.stream().map(r -> Topics.header(r, "ce_id")).toList())
                .as("each record's id its own, over both attempts, though the engine numbered both from 0")
                .doesNotHaveDuplicates();
        JsonNode recovered = lifecycle(trail, "recovered");
        Schemas.assertValid(Schemas.AUDIT_RECORD, recovered);
        assertThat(recovered.at("/details/staleLocks"))
                .singleElement()
                .satisfies(lock -> assertThat(cli.stream().map(ProcessHandle::pid))
                        .as("the lock's owner is the killed CLI")
                        .contains(lock.get("pid").asLong()));
        // A kill that lands while the engine creates a Stash leaves that create pending: it is listed, and the
        // refresh that recovery runs drops it (the create below makes the resource again).
        assertThat(recovered.at("/details/pendingOperations")).allSatisfy(operation -> {
            assertThat(operation.get("type").asText()).isEqualTo("creating");
            assertThat(operation.get("urn").asText()).contains("::" + STASH + "::slow-");
        });

        assertThat(stack.resourceNames(STASH))
                .containsExactlyInAnyOrderElementsOf(
                        IntStream.range(0, COUNT).mapToObj(i -> "slow-" + i).toList());
        assertThat(stack.deployment().path("pending_operations")).isEmpty();
        assertThat(stack.lockFiles()).isEmpty();

        // The stack's trail: one chain over the warm-up, both attempts and the preview behind them, signed by
        // k1 and then k2; older checkpoints still verify after the rotation, with the old key trusted.
        var reader = TrailReader.of(KafkaBrokerResource.bootstrapServers(), Duration.ofMinutes(1));
        Receipt last = Receipt.parse(after.toString());
        assertThat(last.keyId()).isEqualTo("k2");
        VerificationReport rotated = new ChainVerifier(Map.of("k1", publicKey("k1"), "k2", publicKey("k2")))
                .verify(reader.read(Topics.AUDIT, PROJECT + "/" + STACK), Optional.of(last));
        assertThat(rotated.intact()).as("%s", rotated).isTrue();
        assertThat(rotated.lastCheckpoint().orElseThrow().keyId()).isEqualTo("k2");
        VerificationReport newKeyOnly = new ChainVerifier(Map.of("k2", publicKey("k2")))
                .verify(reader.read(Topics.AUDIT, PROJECT + "/" + STACK), Optional.of(last));
        assertThat(newKeyOnly.firstBreak().orElseThrow().kind())
                .as("the warm-up's checkpoint, by a key no longer trusted")
                .isEqualTo(VerificationReport.Kind.UNKNOWN_KEY);
    }

    private static PublicKey publicKey(String name) {
        try {
            return Signatures.publicKey(Files.readString(Path.of("src/test/resources/audit-keys", name + ".pub.pem")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode lifecycle(List<ConsumerRecord<String, String>> trail, String phase) {
        return trail.stream()
                .filter(r -> ("dev.provisioner.run." + phase).equals(Topics.header(r, "ce_type")))
                .map(r -> Requests.parse(r.value()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + phase + " record in the audit trail"));
    }
}
