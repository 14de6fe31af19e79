package dev.provisioner.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pulumi.automation.LocalWorkspace;
import com.pulumi.automation.LocalWorkspaceOptions;
import com.pulumi.automation.UpOptions;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.event.EngineEvents;
import dev.provisioner.support.PulumiCliResource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves the engine adapter loses nothing: one real {@code up} whose CLI also prints its own JSON event
 * stream on stdout ({@code --json}), compared with the events the adapter received and mapped.
 */
class LosslessEventStreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void everyEventTheCliPrintsArrivesWhole() throws Exception {
        PulumiCli cli = PulumiCli.locate(PulumiCliResource.binary());
        List<String> received = new CopyOnWriteArrayList<>();
        var command = new RunCommand(cli, JSON, received::add, Duration.ofSeconds(5), Optional.empty());
        List<String> printed = new CopyOnWriteArrayList<>();
        Files.createDirectories(dir.resolve("state"));
        var options = LocalWorkspaceOptions.builder()
                .workDir(Files.createDirectories(dir.resolve("work")))
                .pulumiHome(Files.createDirectories(dir.resolve("home")))
                .pulumiCommand(command)
                .environmentVariables(Map.of(
                        "PULUMI_SKIP_UPDATE_CHECK", "true",
                        "PULUMI_CONFIG_PASSPHRASE", "lossless",
                        "PULUMI_BACKEND_URL", dir.resolve("state").toUri().toString()))
                .build();

        try (var stack =
                LocalWorkspace.createOrSelectStack("lossless", "dev", new StashDemoProgram()::define, options)) {
            stack.up(UpOptions.builder()
                    .json(true)
                    .onStandardOutput(printed::add)
                    .build());
        }

        List<JsonNode> cliStream = new ArrayList<>();
        for (String line : printed) {
            if (line.startsWith("{")) {
                cliStream.add(JSON.readTree(line));
            }
        }
        var parser = new EngineEvents(JSON);
        List<JsonNode> ours = received.stream()
                .map(line -> (JsonNode) parser.parse(line).json())
                .toList();
        assertThat(cliStream).as("the CLI printed its events").hasSizeGreaterThan(5);
        // --json leaves out the engine's internal events (the default provider's steps), so what it
        // prints is a subsequence of the event log; each of its events must be in ours, whole.
        assertThat(ours).containsSubsequence(cliStream);
        assertThat(ours.stream().map(e -> e.get("sequence").asLong()).toList())
                .as("no event lost between the first and the last")
                .isEqualTo(java.util.stream.LongStream.range(0, ours.size())
                        .boxed()
                        .toList());
    }
}
