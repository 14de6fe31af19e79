package dev.provisioner.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.pulumi.resources.StackReference;
import com.pulumi.resources.StackReferenceArgs;
import dev.provisioner.contract.Operation;
import dev.provisioner.demo.FailingDemoProgram;
import dev.provisioner.demo.SlowDemoProgram;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.event.EngineEvent;
import dev.provisioner.event.RecordedStreams;
import dev.provisioner.support.RealParts;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Records the engine's event streams of real runs into {@code src/test/resources/engine-streams/}, one
 * NDJSON line per event as the CLI sent it, for the mapping tests. Not part of the normal test run:
 * {@code ./mvnw test -Precord-engine-streams} records them again.
 */
@QuarkusTest
@RealParts
@Tag("record")
class RecordEngineStreamsTest {

    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);

    /** A stack of the recordings' backend that no recording creates. */
    static final String MISSING_STACK = "organization/record/no-such-stack";

    @Inject
    Engine engine;

    @Inject
    ProgramCatalog catalog;

    @Test
    void recordUpUpdateDestroy() throws IOException {
        Program demo = catalog.find(StashDemoProgram.NAME).orElseThrow();
        var created = record("up-create", Operation.UP, "main", demo, Map.of("count", "2", "value", "a"));
        assertThat(created.status()).isEqualTo(EngineResult.Status.SUCCEEDED);
        var updated = record("up-update", Operation.UP, "main", demo, Map.of("count", "3", "value", "b"));
        assertThat(updated.status()).isEqualTo(EngineResult.Status.SUCCEEDED);
        var destroyed = record("destroy", Operation.DESTROY, "main", demo, Map.of());
        assertThat(destroyed.status()).isEqualTo(EngineResult.Status.SUCCEEDED);
    }

    @Test
    void recordFailure() throws IOException {
        Program failing = catalog.find(FailingDemoProgram.NAME).orElseThrow();
        var failed = record("up-failed", Operation.UP, "failing", failing, Map.of());
        assertThat(failed.status()).isEqualTo(EngineResult.Status.FAILED);
    }

    /**
     * A resource step that fails in the engine itself: the builtin provider reads a stack reference to a stack
     * the backend does not hold. The read is a step of its own, so its failure is a {@code resOpFailedEvent};
     * no provider plugin takes part.
     */
    @Test
    void recordStepFailure() throws IOException {
        Program missingReference = new Program.Inline(ctx -> new StackReference(
                "missing", StackReferenceArgs.builder().name(MISSING_STACK).build()));
        var failed = record("up-step-failed", Operation.UP, "step-failed", missingReference, Map.of());
        assertThat(failed.status()).isEqualTo(EngineResult.Status.FAILED);
    }

    @Test
    void recordCancellation() throws IOException {
        Program slow = catalog.find(SlowDemoProgram.NAME).orElseThrow();
        EngineRun run = engine.start(
                spec("up-cancelled", Operation.UP, "cancelled", slow, Map.of("count", "6", "delayMs", "1000")));
        List<EngineEvent> events = run.events()
                .invoke(e -> {
                    if (e instanceof EngineEvent.ResourceOutputs o
                            && o.metadata().urn().endsWith("slow-1")) {
                        run.cancel(Cancellation.REQUESTED);
                    }
                })
                .collect()
                .asList()
                .await()
                .atMost(RUN_TIMEOUT);
        var result = run.result().await().atMost(RUN_TIMEOUT);
        assertThat(result.status()).as(result.error()).isEqualTo(EngineResult.Status.CANCELLED);
        write("up-cancelled", events);
    }

    private EngineResult record(String name, Operation op, String stack, Program program, Map<String, String> config)
            throws IOException {
        EngineRun run = engine.start(spec(name, op, stack, program, config));
        List<EngineEvent> events = run.events().collect().asList().await().atMost(RUN_TIMEOUT);
        write(name, events);
        return run.result().await().atMost(RUN_TIMEOUT);
    }

    /**
     * Each recording's own update message: the engine skips an operation whose message the stack's history holds
     * as succeeded (a request delivered again), which would leave {@code up-update} empty after {@code up-create}.
     */
    private static RunSpec spec(String name, Operation op, String stack, Program program, Map<String, String> config) {
        return new RunSpec(op, "record", stack, program, config, Map.of(), "recording " + name, null);
    }

    private static void write(String name, List<EngineEvent> events) throws IOException {
        assertThat(events).as("the events of " + name).isNotEmpty();
        Files.createDirectories(RecordedStreams.DIR);
        var lines = events.stream().map(e -> e.json().toString()).toList();
        Files.write(RecordedStreams.DIR.resolve(name + ".ndjson"), lines);
    }
}
