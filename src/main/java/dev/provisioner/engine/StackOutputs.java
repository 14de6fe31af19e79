package dev.provisioner.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pulumi.automation.AutomationException;
import com.pulumi.automation.CommandResult;
import com.pulumi.automation.CommandRunOptions;
import dev.provisioner.contract.Completion;
import dev.provisioner.contract.StackNames;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A stack's outputs in the clear, read from the state backend when asked, for whoever may see secrets: the
 * service keeps no secret in memory or in its journal. Read like {@link StackHistory}, naming the stack in
 * full, on any replica that shares the backend, without touching the stack's workspace; and only while the
 * stack's latest update is the one the caller means, read before and after the outputs, so that the values are
 * that update's and not a later one's.
 */
@Singleton
public final class StackOutputs {

    private static final Duration READ_TIMEOUT = Duration.ofMinutes(1);

    /** The outputs of the update that is the stack's latest; a secret one is flagged. */
    public record Latest(HistoryEntry update, Map<String, EngineResult.StackOutput> outputs) {}

    private final ConfiguredCli cli;
    private final Workspaces workspaces;
    private final StackHistory history;
    private final ObjectMapper mapper;

    StackOutputs(ConfiguredCli cli, Workspaces workspaces, StackHistory history, ObjectMapper mapper) {
        this.cli = cli;
        this.workspaces = workspaces;
        this.history = history;
        this.mapper = mapper;
    }

    /**
     * The stack's outputs, secrets in the clear, when its latest update is {@code update}'s kind.
     *
     * @param latest what the stack's latest update must be
     * @return empty when the backend has no such stack, or its latest update is not {@code latest}, before or
     *     after the outputs were read
     * @throws AutomationException when the CLI cannot read the state
     */
    public Optional<Latest> readIfLatest(String project, String stack, Predicate<HistoryEntry> latest)
            throws AutomationException {
        StackNames.require("project", project);
        StackNames.require("stack", stack);
        Optional<HistoryEntry> before = latest(project, stack).filter(latest);
        if (before.isEmpty()) {
            return Optional.empty();
        }
        String qualified = Workspaces.DIY_ORGANIZATION + "/" + project + "/" + stack;
        JsonNode masked = outputs(qualified, false);
        JsonNode clear = outputs(qualified, true);
        Optional<HistoryEntry> after = latest(project, stack);
        if (after.isEmpty() || after.get().version() != before.get().version()) {
            return Optional.empty();
        }
        Map<String, EngineResult.StackOutput> outputs = new LinkedHashMap<>();
        clear.fields()
                .forEachRemaining(e -> outputs.put(
                        e.getKey(),
                        new EngineResult.StackOutput(
                                mapper.convertValue(e.getValue(), Object.class),
                                Completion.SECRET_MASK.equals(
                                        masked.path(e.getKey()).asText(null)))));
        return Optional.of(new Latest(before.get(), outputs));
    }

    private Optional<HistoryEntry> latest(String project, String stack) throws AutomationException {
        return history.read(project, stack).flatMap(updates -> updates.stream().findFirst());
    }

    private JsonNode outputs(String qualified, boolean showSecrets) throws AutomationException {
        List<String> args = new ArrayList<>(List.of("stack", "output", "--json", "--stack", qualified));
        if (showSecrets) {
            args.add("--show-secrets");
        }
        args.add("--non-interactive");
        CommandRunOptions where = workspaces.stackless();
        CommandResult result;
        try {
            result = CliProcess.of(cli.get().binary(), args)
                    .workingDir(where.workingDir())
                    .environment(where.additionalEnv())
                    .start()
                    .await(READ_TIMEOUT);
        } catch (IOException e) {
            throw new AutomationException("cannot start " + cli.get().binary() + ": " + e.getMessage(), e);
        }
        if (result.code() != 0) {
            // Never the values: a failed read prints none, but its error is all that is kept.
            throw new AutomationException(
                    Completion.ErrorInfo.bounded(result.standardError().trim()));
        }
        try {
            String printed = result.standardOutput();
            return printed.isBlank() ? mapper.createObjectNode() : mapper.readTree(printed);
        } catch (JsonProcessingException e) {
            throw new AutomationException("`pulumi stack output --json` printed no JSON", e);
        }
    }
}
