package dev.provisioner.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.pulumi.Context;
import com.pulumi.automation.CommandException;
import com.pulumi.automation.DestroyOptions;
import com.pulumi.automation.LocalWorkspace;
import com.pulumi.automation.LocalWorkspaceOptions;
import com.pulumi.automation.StackDeployment;
import com.pulumi.automation.UpOptions;
import com.pulumi.automation.WorkspaceStack;
import com.pulumi.resources.StackReference;
import com.pulumi.resources.StackReferenceArgs;
import com.pulumi.resources.Stash;
import com.pulumi.resources.StashArgs;
import dev.provisioner.contract.Operation;
import dev.provisioner.demo.FailingDemoProgram;
import dev.provisioner.demo.SlowDemoProgram;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.event.EngineEvent;
import dev.provisioner.event.EngineEvents;
import dev.provisioner.event.RecordedStreams;
import dev.provisioner.support.RealParts;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Records the engine's event streams of real runs into {@code src/test/resources/engine-streams/}, one
 * NDJSON line per event as the CLI sent it, for the mapping tests. Not part of the normal test run:
 * {@code ./mvnw test -Precord-engine-streams} records them all again; one method's recordings alone, e.g.
 * {@code ./mvnw test -Precord-engine-streams -Dtest='RecordEngineStreamsTest#recordStepFailure'}.
 *
 * <p>What each method records: {@code recordUpUpdateDestroy} {@code up-create}, {@code up-update}, {@code destroy};
 * {@code recordFailure} {@code up-failed}; {@code recordStepFailure} {@code up-step-failed} (a
 * {@code resOpFailedEvent}); {@code recordPolicyViolations} {@code up-policy-violations} ({@code policyEvent}s);
 * {@code recordPluginDownload} {@code destroy-plugin-download} ({@code progressEvent}s); {@code recordCancellation}
 * {@code up-cancelled}. The engine's {@code errorEvent} cannot be recorded here: see
 * {@code engine-streams/fixtures/README.md}.
 */
@QuarkusTest
@RealParts
@Tag("record")
class RecordEngineStreamsTest {

    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);
    private static final ObjectMapper JSON = new ObjectMapper();

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

    /**
     * Policy violations, one advisory and one mandatory (which fails the update), from a local policy pack. The
     * service's engine passes no {@code --policy-pack}, so this run goes through a workspace of its own, with the
     * service's own command to read the event log.
     */
    @Test
    void recordPolicyViolations() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "record-policy-");
        try (var pack = RecordedPolicyPack.start(dir)) {
            List<String> lines = new CopyOnWriteArrayList<>();
            Consumer<Context> program = ctx -> {
                new Stash("short", StashArgs.builder().input("tiny").build());
                new Stash(
                        "refused",
                        StashArgs.builder()
                                .input(RecordedPolicyPack.FORBIDDEN_INPUT)
                                .build());
            };
            // The engine finds the pack's analyzer on its PATH.
            var path = Map.of("PATH", pack.binDir() + File.pathSeparator + System.getenv("PATH"));
            try (var stack = ownStack(dir, "policy", program, lines, path)) {
                var up = UpOptions.builder()
                        .policyPacks(List.of(pack.packDir().toString()))
                        .color("never")
                        .build();
                assertThatThrownBy(() -> stack.up(up))
                        .isInstanceOf(CommandException.class)
                        .hasMessageContaining(RecordedPolicyPack.MANDATORY_POLICY);
            }
            writeLines("up-policy-violations", lines);
        }
    }

    /**
     * The engine downloads and installs a plugin before it runs, reporting progress: every plugin the stack's
     * state names that is not installed yet. Here the state names a provider whose plugin is served on loopback
     * (no internet is needed); {@code destroy} then deletes that provider from the state without running it.
     */
    @Test
    void recordPluginDownload() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "record-plugin-download-");
        try (var plugins = PluginDownloadServer.start(dir)) {
            List<String> lines = new CopyOnWriteArrayList<>();
            try (var stack = ownStack(dir, "plugin-download", ctx -> {}, lines, Map.of())) {
                stack.importStack(withProvider(stack.exportStack(), "plugin-download", plugins.url()));
                stack.destroy(DestroyOptions.builder().color("never").build());
            }
            assertThat(plugins.requested())
                    .singleElement()
                    .asString()
                    .startsWith(
                            "/pulumi-resource-" + PluginDownloadServer.PLUGIN + "-v" + PluginDownloadServer.VERSION);
            writeLines("destroy-plugin-download", lines);
        }
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

    /** A stack in a backend of its own under {@code dir}, whose engine events go to {@code lines}. */
    private WorkspaceStack ownStack(
            Path dir, String name, Consumer<Context> program, List<String> lines, Map<String, String> env)
            throws Exception {
        var command = new RunCommand(engine.cli(), JSON, lines::add, Duration.ofSeconds(5), Optional.empty());
        Map<String, String> environment = new HashMap<>(env);
        environment.put("PULUMI_SKIP_UPDATE_CHECK", "true");
        environment.put("PULUMI_CONFIG_PASSPHRASE", "recording");
        environment.put(
                "PULUMI_BACKEND_URL",
                Files.createDirectories(dir.resolve("state")).toUri().toString());
        var options = LocalWorkspaceOptions.builder()
                .workDir(Files.createDirectories(dir.resolve("work")))
                .pulumiHome(Files.createDirectories(dir.resolve("home")))
                .pulumiCommand(command)
                .environmentVariables(environment)
                .build();
        return LocalWorkspace.createOrSelectStack("record", name, program, options);
    }

    /** {@code exported} with a default provider of the served plugin, as a run that used it leaves one. */
    private static StackDeployment withProvider(StackDeployment exported, String stack, String downloadUrl)
            throws Exception {
        ObjectNode deployment = JSON.valueToTree(exported.deployment());
        ObjectNode provider = deployment.withArray("resources").addObject();
        String type = "pulumi:providers:" + PluginDownloadServer.PLUGIN;
        provider.put("urn", "urn:pulumi:" + stack + "::record::" + type + "::default_1_0_0")
                .put("custom", true)
                .put("id", "6a3c4f0e-0000-4000-8000-000000000001")
                .put("type", type);
        provider.putObject("inputs")
                .put("version", PluginDownloadServer.VERSION)
                .put("pluginDownloadURL", downloadUrl);
        provider.set("outputs", provider.get("inputs").deepCopy());
        ObjectNode state = JSON.createObjectNode().put("version", exported.version());
        state.set("deployment", deployment);
        return StackDeployment.fromJson(JSON.writeValueAsString(state));
    }

    /** Writes event lines as the service reads them. */
    private static void writeLines(String name, List<String> lines) throws IOException {
        var parser = new EngineEvents(JSON);
        write(name, lines.stream().map(parser::parse).toList());
    }

    private static void write(String name, List<EngineEvent> events) throws IOException {
        assertThat(events).as("the events of " + name).isNotEmpty();
        Files.createDirectories(RecordedStreams.DIR);
        var lines = events.stream().map(e -> e.json().toString()).toList();
        Files.write(RecordedStreams.DIR.resolve(name + ".ndjson"), lines);
    }
}
