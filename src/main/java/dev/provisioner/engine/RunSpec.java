package dev.provisioner.engine;

import dev.provisioner.contract.Operation;
import dev.provisioner.contract.StackNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One operation on one stack.
 *
 * @param config plain configuration, by key without the project prefix
 * @param secretConfig configuration stored as Pulumi secrets
 * @param message the update message kept in the stack's history
 * @param traceparent the W3C {@code traceparent} of the span the run belongs to, or {@code null}: the CLI
 *     gets it as {@code TRACEPARENT}, so the spans it exports join that trace
 * @param environment variables for this run's CLI processes only (a program's credentials); secret like
 *     {@code secretConfig}
 */
public record RunSpec(
        Operation operation,
        String project,
        String stack,
        Program program,
        Map<String, String> config,
        Map<String, String> secretConfig,
        String message,
        String traceparent,
        Map<String, String> environment) {

    public RunSpec {
        Objects.requireNonNull(operation, "operation");
        StackNames.require("project", project);
        StackNames.require("stack", stack);
        Objects.requireNonNull(program, "program");
        config = Map.copyOf(config);
        secretConfig = Map.copyOf(secretConfig);
        Objects.requireNonNull(message, "message");
        environment = Map.copyOf(environment);
    }

    /** A run without credentials in its environment. */
    public RunSpec(
            Operation operation,
            String project,
            String stack,
            Program program,
            Map<String, String> config,
            Map<String, String> secretConfig,
            String message,
            String traceparent) {
        this(operation, project, stack, program, config, secretConfig, message, traceparent, Map.of());
    }

    /** Every value that must not leave the run: the secret config's and the environment's. */
    public List<String> secrets() {
        List<String> secrets = new ArrayList<>(secretConfig.values());
        secrets.addAll(environment.values());
        return secrets;
    }

    @Override
    public String toString() {
        // Never print secret values, whoever logs a run.
        return "RunSpec[" + operation + " " + project + "/" + stack + ", config=" + config.keySet() + ", secretConfig="
                + secretConfig.keySet() + ", environment=" + environment.keySet() + "]";
    }
}
