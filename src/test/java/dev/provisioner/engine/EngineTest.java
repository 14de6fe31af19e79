package dev.provisioner.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.provisioner.contract.Operation;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.event.EngineEvent;
import dev.provisioner.support.RealParts;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The real CLI runs {@code up} then {@code destroy} of the inline Stash demo on a {@code file://} backend. */
@QuarkusTest
@RealParts
class EngineTest {

    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);

    @Inject
    Engine engine;

    @Inject
    ProgramCatalog catalog;

    @Inject
    EngineConfig config;

    @Test
    void upThenDestroyOfTheStashDemo() {
        Program demo = catalog.find(StashDemoProgram.NAME).orElseThrow();

        Run up = run(new RunSpec(
                Operation.UP, "engine-test", "dev", demo, Map.of("count", "3", "value", "v"), Map.of(), "up", null));

        assertThat(up.result.status()).as(up.result.error()).isEqualTo(EngineResult.Status.SUCCEEDED);
        assertThat(up.result.outputs()).containsKeys("values", "count");
        assertThat(up.result.outputs().get("values").value()).isEqualTo(List.of("v-0", "v-1", "v-2"));
        assertThat(up.result.outputs().get("count").value()).isEqualTo(3);
        assertThat(stashOps(up.events, EngineEvent.ResourcePre.class)).containsExactly("create", "create", "create");
        assertThat(stashOps(up.events, EngineEvent.ResourceOutputs.class))
                .containsExactly("create", "create", "create");
        assertThat(up.events.get(0)).isInstanceOf(EngineEvent.Prelude.class);
        assertThat(up.events.get(up.events.size() - 1)).isInstanceOf(EngineEvent.Cancel.class);
        assertThat(summary(up.events).resourceChanges()).containsEntry("create", 5);
        assertThat(up.events).extracting(EngineEvent::sequence).isSorted().doesNotHaveDuplicates();

        Run destroy =
                run(new RunSpec(Operation.DESTROY, "engine-test", "dev", demo, Map.of(), Map.of(), "destroy", null));

        assertThat(destroy.result.status()).as(destroy.result.error()).isEqualTo(EngineResult.Status.SUCCEEDED);
        assertThat(stashOps(destroy.events, EngineEvent.ResourcePre.class))
                .containsExactly("delete", "delete", "delete");
        assertThat(summary(destroy.events).resourceChanges()).containsEntry("delete", 5);

        Run again =
                run(new RunSpec(Operation.PREVIEW, "engine-test", "dev", demo, Map.of(), Map.of(), "preview", null));
        assertThat(summary(again.events).resourceChanges())
                .as("after destroy the stack holds no resources: a preview creates them all again")
                .containsOnlyKeys("create")
                .containsEntry("create", 4);
    }

    /**
     * What each run starts, counted where every process starts: an {@code up} on a new stack needs {@code stack
     * init}, the configuration and the operation; again with the same configuration, the history and the
     * operation; delivered again, the history and the outputs; on a replica that has no workspace for a stack
     * that exists, the refused {@code stack init}, the history, the configuration and the operation.
     */
    @Test
    void eachRunStartsOnlyTheProcessesItNeeds() throws Exception {
        engine.cli(); // its version is asked once per JVM, not per run
        Program demo = catalog.find(StashDemoProgram.NAME).orElseThrow();
        Map<String, String> config = Map.of("count", "2");
        Map<String, String> secrets = Map.of("secret", "counted-secret");
        var first = new RunSpec(Operation.UP, "engine-count", "dev", demo, config, secrets, "count-1", null);

        List<String> newStack = counted(first);
        List<String> again =
                counted(new RunSpec(Operation.UP, "engine-count", "dev", demo, config, secrets, "count-2", null));
        List<String> redelivered = counted(first);
        List<String> reconfigured =
                counted(new RunSpec(Operation.UP, "engine-count", "dev", demo, Map.of(), Map.of(), "count-3", null));
        List<String> destroy = counted(
                new RunSpec(Operation.DESTROY, "engine-count", "dev", demo, Map.of(), Map.of(), "count-4", null));

        deleteWorkspace("engine-count", "dev");
        List<String> otherReplica =
                counted(new RunSpec(Operation.UP, "engine-count", "dev", demo, Map.of(), Map.of(), "count-5", null));

        assertThat(newStack).containsExactly("stack init", "config set-all", "up");
        assertThat(again).containsExactly("stack history", "up");
        assertThat(redelivered).containsExactly("stack history", "stack output");
        assertThat(reconfigured).containsExactly("stack history", "config rm-all", "up");
        assertThat(destroy).containsExactly("stack history", "destroy");
        assertThat(otherReplica).containsExactly("stack init", "stack history", "up");
    }

    /** As on a replica that never ran the stack: its work dir, configuration digest and stack file gone. */
    private void deleteWorkspace(String project, String stack) throws java.io.IOException {
        var dir = config.workDir().resolve("stacks").resolve(project).resolve(stack);
        try (var paths = java.nio.file.Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }

    /** The CLI commands a run started, by their first words, checking that it succeeded. */
    private List<String> counted(RunSpec spec) throws Exception {
        List<String> started = new java.util.concurrent.CopyOnWriteArrayList<>();
        Run run;
        try (var listening = CliStarts.listen(args -> started.add(
                args.get(0).equals("stack") || args.get(0).equals("config")
                        ? args.get(0) + " " + args.get(1)
                        : args.get(0)))) {
            run = run(spec);
        }
        assertThat(run.result.status()).as(run.result.error()).isEqualTo(EngineResult.Status.SUCCEEDED);
        if (spec.operation() == Operation.UP) {
            assertThat(run.result.outputs().get("count").value())
                    .isEqualTo(Integer.parseInt(spec.config().getOrDefault("count", "2")));
            assertThat(run.result.outputs()).containsKey("values");
            if (!spec.secretConfig().isEmpty()) {
                assertThat(run.result.outputs().get("secret").secret()).isTrue();
                assertThat(run.result.outputs().get("secret").value()).isNull();
            }
        }
        return started;
    }

    private record Run(EngineResult result, List<EngineEvent> events) {}

    private Run run(RunSpec spec) {
        EngineRun run = engine.start(spec);
        List<EngineEvent> events = run.events().collect().asList().await().atMost(RUN_TIMEOUT);
        return new Run(run.result().await().atMost(RUN_TIMEOUT), events);
    }

    private static List<String> stashOps(List<EngineEvent> events, Class<? extends EngineEvent> kind) {
        return events.stream()
                .filter(kind::isInstance)
                .map(e -> e instanceof EngineEvent.ResourcePre p
                        ? p.metadata()
                        : ((EngineEvent.ResourceOutputs) e).metadata())
                .filter(m -> m.type().equals("pulumi:index:Stash"))
                .map(EngineEvent.StepMetadata::op)
                .toList();
    }

    private static EngineEvent.Summary summary(List<EngineEvent> events) {
        return events.stream()
                .filter(EngineEvent.Summary.class::isInstance)
                .map(EngineEvent.Summary.class::cast)
                .findFirst()
                .orElseThrow();
    }
}
