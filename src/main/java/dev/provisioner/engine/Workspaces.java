package dev.provisioner.engine;

import com.pulumi.automation.AutomationException;
import com.pulumi.automation.CommandResult;
import com.pulumi.automation.CommandRunOptions;
import com.pulumi.automation.LocalWorkspace;
import com.pulumi.automation.LocalWorkspaceOptions;
import com.pulumi.automation.ProjectRuntimeName;
import com.pulumi.automation.ProjectSettings;
import com.pulumi.automation.StackAlreadyExistsException;
import com.pulumi.automation.WorkspaceStack;
import dev.provisioner.contract.Completion;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the CLI runs and what it is told: each stack has its own work directory and {@code PULUMI_HOME}, so
 * runs on different stacks never share the CLI's notion of the selected stack; reads that name their stack in
 * full run apart from every stack's; all of them get the passphrase and the state backend.
 */
@Singleton
public final class Workspaces {

    /** The organization of every stack in a self-managed ({@code file://}, {@code s3://}, …) backend. */
    static final String DIY_ORGANIZATION = "organization";

    private final EngineConfig config;
    private final ConfiguredCli cli;

    Workspaces(EngineConfig config, ConfiguredCli cli) {
        this.config = config;
        this.cli = cli;
    }

    /**
     * The spec's stack in its own workspace, its CLI run as {@code command}. {@code exists}: the backend holds
     * the stack (its history was read, or {@code stack init} refused it), and no CLI starts; else it is created
     * ({@code stack init}).
     *
     * @throws StackAlreadyExistsException when it was to be created and the backend has it
     */
    WorkspaceStack open(RunSpec spec, RunCommand command, boolean exists) throws AutomationException, IOException {
        Path home = home(spec);
        Path work = workDir(spec.project(), spec.stack());
        Files.createDirectories(work);
        // The program's credentials first: the service's own variables are never theirs to change.
        Map<String, String> env = new HashMap<>(spec.environment());
        env.putAll(environment(home));
        if (spec.traceparent() != null) {
            // The CLI's root span becomes a child of the run's span (read only with --otel-traces).
            env.put("TRACEPARENT", spec.traceparent());
        }
        var options = LocalWorkspaceOptions.builder()
                .pulumiHome(home)
                .pulumiCommand(command)
                .environmentVariables(env);
        if (spec.program() instanceof Program.Directory directory) {
            options.workDir(directory.path());
        } else {
            var inline = (Program.Inline) spec.program();
            options.workDir(work)
                    .program(inline.body())
                    .projectSettings(ProjectSettings.builder(spec.project(), ProjectRuntimeName.JAVA)
                            .build());
        }
        // Every operation names its stack, so the stack the CLI has selected does not matter: no `stack select`.
        command.forStack(spec.stack(), exists);
        var workspace = LocalWorkspace.create(options.build());
        return exists ? WorkspaceStack.select(spec.stack(), workspace) : WorkspaceStack.create(spec.stack(), workspace);
    }

    /**
     * Whether this replica has a workspace for the spec's stack: it ran on the stack before. Its {@code PULUMI_HOME}
     * tells, not its work dir, which a directory program is copied into when its request is taken in.
     */
    boolean exists(RunSpec spec) {
        return Files.isDirectory(home(spec));
    }

    /** Makes the stack's configuration the spec's, with the CLI only when it changed (see {@link StackConfig}). */
    void configure(WorkspaceStack stack, RunSpec spec) throws AutomationException, IOException {
        new StackConfig(stackDir(spec), config.passphrase()).apply(stack, spec);
    }

    private Path stackDir(RunSpec spec) {
        return stackDir(spec.project(), spec.stack());
    }

    private Path home(RunSpec spec) {
        return stackDir(spec).resolve("pulumi-home");
    }

    /**
     * The stack's work directory, where the CLI runs: an inline program's project file is written there, and a
     * directory program is copied there for each run ({@link ProgramCatalog#prepare}).
     */
    Path workDir(String project, String stack) {
        return stackDir(project, stack).resolve("work");
    }

    private Path stackDir(String project, String stack) {
        return config.workDir().resolve("stacks").resolve(project).resolve(stack);
    }

    /** How a command that is not an operation runs in the stack's workspace. */
    static CommandRunOptions options(WorkspaceStack stack) {
        var workspace = stack.workspace();
        return CommandRunOptions.builder()
                .workingDir(workspace.workDir())
                .additionalEnv(workspace.environmentVariables())
                .build();
    }

    /**
     * How a read that names its stack in full ({@code organization/project/stack}) runs: in no stack's
     * workspace, so that it touches none, and needing no project file.
     */
    CommandRunOptions stackless() throws AutomationException {
        Path home = config.workDir().resolve("history-home");
        try {
            return CommandRunOptions.builder()
                    .workingDir(home)
                    .additionalEnv(environment(home))
                    .build();
        } catch (IOException e) {
            throw new AutomationException(e);
        }
    }

    /**
     * Lists the backend's stacks with the CLI: a read of the state backend with the service's credentials,
     * as every run starts with. The CLI is killed when it has not finished within {@code timeout}.
     *
     * @throws AutomationException if the CLI cannot run, fails, or does not finish in time; the message
     *     carries what it printed
     */
    public void listStacks(Duration timeout) throws AutomationException, IOException {
        PulumiCli located = cli.get();
        Path probe = config.workDir().resolve("probe");
        // No Pulumi.yaml in the probe directory: --all lists every project's stacks without one.
        CommandResult result = CliProcess.of(located.binary(), List.of("stack", "ls", "--all", "--json"))
                .workingDir(probe)
                .environment(environment(probe.resolve("pulumi-home")))
                .start()
                .await(timeout);
        if (result.code() != 0) {
            throw new AutomationException(Completion.ErrorInfo.bounded(CliProcess.printed(result)));
        }
    }

    /**
     * The state backend of every run: {@code provisioner.engine.backend-url}, or {@code file://} on the
     * {@code state} directory under the work dir, which is created.
     */
    public String backendUrl() throws IOException {
        if (config.backendUrl().isPresent()) {
            return config.backendUrl().get();
        }
        Path state = config.workDir().resolve("state").toAbsolutePath();
        Files.createDirectories(state);
        return state.toUri().toString();
    }

    /** The state directory, when the backend is {@code file://}. */
    Optional<Path> fileBackend() throws IOException {
        URI url = URI.create(backendUrl());
        if (!"file".equals(url.getScheme())) {
            return Optional.empty();
        }
        return Optional.of(Path.of(url.getPath()));
    }

    /** What every CLI of the service is told, with its {@code PULUMI_HOME}, which is created. */
    private Map<String, String> environment(Path home) throws IOException {
        Files.createDirectories(home);
        Map<String, String> env = new HashMap<>();
        env.put("PULUMI_HOME", home.toString());
        env.put("PULUMI_CONFIG_PASSPHRASE", config.passphrase());
        env.put("PULUMI_BACKEND_URL", backendUrl());
        return env;
    }
}
