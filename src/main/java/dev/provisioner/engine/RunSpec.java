package dev.provisioner.engine;

import dev.provisioner.contract.Operation;
import dev.provisioner.contract.StackNames;
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
 */
public record RunSpec(
        Operation operation,
        String project,
        String stack,
        Program program,
        Map<String, String> config,
        Map<String, String> secretConfig,
        String message,
        String traceparent) {

    public RunSpec {
        Objects.requireNonNull(operation, "operation");
        StackNames.require("project", project);
        StackNames.require("stack", stack);
        Objects.requireNonNull(program, "program");
        config = Map.copyOf(config);
        secretConfig = Map.copyOf(secretConfig);
        Objects.requireNonNull(message, "message");
    }
}
