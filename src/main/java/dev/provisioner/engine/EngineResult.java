package dev.provisioner.engine;

import java.util.Map;

/**
 * How an operation ended.
 *
 * @param outputs the stack's outputs after {@code up}; empty for other operations
 * @param error what the engine reported when the operation did not succeed, else {@code null}
 */
public record EngineResult(Status status, Map<String, StackOutput> outputs, String error) {

    public enum Status {
        SUCCEEDED,
        FAILED,
        CANCELLED
    }

    /** A stack output; a secret one must be masked wherever it leaves the engine. */
    public record StackOutput(Object value, boolean secret) {}
}
