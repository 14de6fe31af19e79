package dev.provisioner.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioner.contract.Operation;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.support.RealParts;
import dev.provisioner.support.StackState;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A stack left locked in the {@code file://} backend: a lock whose owner is gone is removed and the operation
 * runs, what the crashed update left pending is cleared; a lock whose owner runs is never touched. The locks
 * are written as the CLI writes them (the crash itself is {@code CrashRecoveryIT}).
 */
@QuarkusTest
@RealParts
class StackLockRecoveryTest {

    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);
    private static final String PROJECT = "locks";
    private static final String PASSPHRASE = "test-only-passphrase";

    @Inject
    Engine engine;

    @Inject
    EngineConfig config;

    @Inject
    ProgramCatalog catalog;

    @Inject
    ObjectMapper mapper;

    @Test
    void aLockWhoseOwnerIsGoneIsRemovedAndWhatItLeftPendingIsCleared() throws Exception {
        String stack = "stale";
        assertThat(up(stack, "1", r -> {}).status()).isEqualTo(EngineResult.Status.SUCCEEDED);
        String orphan = leavePendingCreate(stack);
        long gone = exitedPid();
        Path lock = writeLock(stack, gone, StackLocks.localHost());

        List<Recovery> recoveries = new CopyOnWriteArrayList<>();
        EngineResult result = up(stack, "2", recoveries::add);

        assertThat(result.status()).as(result.error()).isEqualTo(EngineResult.Status.SUCCEEDED);
        assertThat(recoveries).singleElement().satisfies(recovery -> {
            assertThat(recovery.staleLocks())
                    .singleElement()
                    .satisfies(l -> assertThat(l.pid()).isEqualTo(gone));
            assertThat(recovery.pendingOperations()).containsExactly(new Recovery.PendingOperation("creating", orphan));
        });
        assertThat(lock).doesNotExist();
        StackState state = new StackState(config.workDir(), PROJECT, stack, PASSPHRASE);
        assertThat(state.deployment().path("pending_operations")).isEmpty();
        assertThat(state.resourceNames("pulumi:index:Stash")).containsExactlyInAnyOrder("demo-0", "demo-1");
    }

    @Test
    void aLockWhoseOwnerRunsIsLeftAlone() throws Exception {
        String stack = "live";
        assertThat(up(stack, "1", r -> {}).status()).isEqualTo(EngineResult.Status.SUCCEEDED);
        long alive = ProcessHandle.current().pid();
        Path lock = writeLock(stack, alive, StackLocks.localHost());

        List<Recovery> recoveries = new CopyOnWriteArrayList<>();
        EngineResult result = up(stack, "2", recoveries::add);

        assertThat(result.status()).isEqualTo(EngineResult.Status.FAILED);
        assertThat(result.error()).contains("locks/" + stack, "pid " + alive, "left alone", "pulumi cancel");
        assertThat(recoveries).isEmpty();
        assertThat(lock).exists();
        Files.delete(lock);
    }

    @Test
    void aLockTakenOnAnotherHostIsLeftAlone() throws Exception {
        String stack = "elsewhere";
        assertThat(up(stack, "1", r -> {}).status()).isEqualTo(EngineResult.Status.SUCCEEDED);
        Path lock = writeLock(stack, exitedPid(), "another-host");

        EngineResult result = up(stack, "2", r -> {});

        assertThat(result.status()).isEqualTo(EngineResult.Status.FAILED);
        assertThat(result.error()).contains("on another-host", "left alone");
        assertThat(lock).exists();
        Files.delete(lock);
    }

    private EngineResult up(String stack, String count, java.util.function.Consumer<Recovery> onRecovery) {
        var spec = new RunSpec(
                Operation.UP,
                PROJECT,
                stack,
                catalog.find(StashDemoProgram.NAME).orElseThrow(),
                Map.of("count", count),
                Map.of(),
                "up " + UUID.randomUUID(),
                null);
        EngineRun run = engine.start(spec, onRecovery);
        run.events().collect().asList().await().atMost(RUN_TIMEOUT);
        return run.result().await().atMost(RUN_TIMEOUT);
    }

    /** A lock file as the CLI writes it, owned by {@code pid} on {@code host}. */
    private Path writeLock(String stack, long pid, String host) throws IOException {
        Path dir =
                state().resolve(".pulumi/locks/organization").resolve(PROJECT).resolve(stack);
        Files.createDirectories(dir);
        Path lock = dir.resolve(UUID.randomUUID() + ".json");
        ObjectNode owner = mapper.createObjectNode()
                .put("pid", pid)
                .put("username", System.getProperty("user.name"))
                .put("hostname", host)
                .put("timestamp", Instant.now().toString());
        Files.writeString(lock, owner.toString());
        return lock;
    }

    /**
     * Makes the stack's state say a Stash was being created when the update died, as a kill in the middle of
     * a create leaves it: built-in Stash creates are too quick for a real kill to land inside one.
     *
     * @return the URN of the resource left pending
     */
    private String leavePendingCreate(String stack) throws IOException {
        Path checkpoint = state().resolve(".pulumi/stacks").resolve(PROJECT).resolve(stack + ".json");
        JsonNode file = mapper.readTree(checkpoint.toFile());
        JsonNode latest = file.path("checkpoint").path("latest");
        ObjectNode created = null;
        for (JsonNode resource : latest.path("resources")) {
            if ("pulumi:index:Stash".equals(resource.path("type").asText())) {
                created = ((ObjectNode) resource).deepCopy();
            }
        }
        assertThat(created).as("a Stash in %s", checkpoint).isNotNull();
        String urn = created.get("urn").asText().replaceAll("::[^:]+$", "::orphan");
        created.put("urn", urn);
        created.remove(List.of("id", "outputs", "created", "modified"));
        ArrayNode pending = ((ObjectNode) latest).putArray("pending_operations");
        pending.addObject().put("type", "creating").set("resource", created);
        Files.writeString(checkpoint, mapper.writeValueAsString(file));
        return urn;
    }

    private static long exitedPid() throws Exception {
        Process process = new ProcessBuilder("true").start();
        process.waitFor();
        return process.pid();
    }

    private Path state() {
        return config.workDir().resolve("state");
    }
}
