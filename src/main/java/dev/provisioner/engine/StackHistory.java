package dev.provisioner.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.pulumi.automation.AutomationException;
import com.pulumi.automation.PulumiCommand;
import com.pulumi.automation.StackNotFoundException;
import dev.provisioner.contract.StackNames;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Optional;

/**
 * A stack's latest updates as the backend keeps them, newest first: what the REST API shows, and how a run
 * recognises a request that is delivered again shortly after it ran (Kafka redelivers only what was not
 * committed). Read on any replica that shares the backend, without touching the stack, by our own command: the
 * SDK's Gson mapping fails on ops it does not know.
 */
@Singleton
public final class StackHistory {

    /** How many of a stack's latest updates are read. */
    private static final String DEPTH = "50";

    private final ConfiguredCli cli;
    private final Workspaces workspaces;
    private final EngineConfig config;
    private final ObjectMapper mapper;

    StackHistory(ConfiguredCli cli, Workspaces workspaces, EngineConfig config, ObjectMapper mapper) {
        this.cli = cli;
        this.workspaces = workspaces;
        this.config = config;
        this.mapper = mapper;
    }

    /**
     * The stack's latest 50 updates, newest first.
     *
     * @return empty when the backend has no such stack
     * @throws IllegalArgumentException when a name is not a valid {@link StackNames stack name}
     * @throws AutomationException when the CLI cannot be run or cannot read the history
     */
    public Optional<List<HistoryEntry>> read(String project, String stack) throws AutomationException {
        StackNames.require("project", project);
        StackNames.require("stack", stack);
        var command = new RunCommand(cli.get(), mapper, json -> {}, config.eventStreamDrainTimeout(), Optional.empty());
        return read(project, stack, command);
    }

    /** The same, run as {@code command}: a run's own, so that cancelling the run stops the read. */
    Optional<List<HistoryEntry>> read(String project, String stack, PulumiCommand command) throws AutomationException {
        // Fully qualified: no project file is needed to find a stack of a self-managed backend.
        String qualified = Workspaces.DIY_ORGANIZATION + "/" + project + "/" + stack;
        try {
            var result = command.run(
                    List.of("stack", "history", "--json", "--page-size", DEPTH, "--page", "1", "--stack", qualified),
                    workspaces.stackless());
            return Optional.of(HistoryEntries.parse(mapper, result.standardOutput()));
        } catch (StackNotFoundException e) {
            return Optional.empty();
        }
    }
}
