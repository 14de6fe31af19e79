package dev.provisioner.engine;

import java.util.Map;

/**
 * How an operation ended.
 *
 * @param outputs the stack's outputs after {@code up}; empty for other operations
 * @param error what the engine reported when the operation did not succeed, else {@code null}
 * @param earlier the stack's update that already carried out this very request, when it was not run
 *     again; else {@code null}
 */
public record EngineResult(Status status, Map<String, StackOutput> outputs, String error, HistoryEntry earlier) {

    public enum Status {
        SUCCEEDED,
        FAILED,
        CANCELLED
    }

    static EngineResult of(Status status, Map<String, StackOutput> outputs, String error) {
        return new EngineResult(status, outputs, error, null);
    }

    /** Whether the operation was not run because the stack's history shows it already succeeded. */
    public boolean alreadyRan() {
        return earlier != null;
    }

    /** A stack output; a secret one must be masked wherever it leaves the engine. */
    public record StackOutput(Object value, boolean secret) {}
}
