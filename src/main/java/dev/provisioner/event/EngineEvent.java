package dev.provisioner.event;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * One event of the Pulumi engine's event log, in the engine's JSON schema ({@code apitype.EngineEvent}).
 *
 * <p>Every event keeps the exact JSON the engine sent in {@link #json()}, so fields this model does not
 * name, and kinds it does not know ({@link Unknown}), reach the audit trail unchanged. The typed
 * components are a view over that JSON for the code that needs them.
 */
public sealed interface EngineEvent {

    /** The engine's sequence number, increasing within one operation. */
    long sequence();

    /** The engine's timestamp, in Unix seconds. */
    long timestamp();

    /** The event exactly as the engine sent it. */
    ObjectNode json();

    /** The name of the payload field, e.g. {@code resourcePreEvent}; it says which kind this is. */
    default String kind() {
        return EngineEvents.kindOf(json());
    }

    /**
     * The kind as the audit trail and log records name it: {@code resource.pre}, {@code resource.outputs},
     * {@code resource.failed}, {@code diagnostic}, {@code summary}, {@code end}, …; an unknown {@code fooBarEvent} is
     * {@code foo.bar}.
     */
    default String name() {
        return EngineEvents.nameOf(kind());
    }

    /** The configuration the operation runs with (secrets blinded by the engine). */
    record Prelude(long sequence, long timestamp, Map<String, String> config, ObjectNode json) implements EngineEvent {}

    /** A step is about to run on a resource. */
    record ResourcePre(long sequence, long timestamp, StepMetadata metadata, boolean planning, ObjectNode json)
            implements EngineEvent {}

    /** A step finished on a resource; carries its outputs. */
    record ResourceOutputs(long sequence, long timestamp, StepMetadata metadata, boolean planning, ObjectNode json)
            implements EngineEvent {}

    /** A step failed on a resource. */
    record ResourceOperationFailed(
            long sequence, long timestamp, StepMetadata metadata, int status, int steps, ObjectNode json)
            implements EngineEvent {}

    /** A diagnostic message; {@code severity} is {@code debug}, {@code info}, {@code info#err}, {@code warning} or {@code error}. */
    record Diagnostic(
            long sequence,
            long timestamp,
            String urn,
            String prefix,
            String message,
            String severity,
            boolean ephemeral,
            ObjectNode json)
            implements EngineEvent {}

    /** Text the engine writes to its standard output, e.g. that it is cancelling. */
    record StandardOutput(long sequence, long timestamp, String message, ObjectNode json) implements EngineEvent {}

    /**
     * A policy violation: {@code enforcementLevel} is {@code advisory} or {@code mandatory} (a mandatory one fails
     * the operation); {@code severity} is {@code low}, {@code medium}, {@code high}, {@code critical} or empty;
     * {@code resourceUrn} is empty for a policy on the whole stack.
     */
    record Policy(
            long sequence,
            long timestamp,
            String resourceUrn,
            String policyPackName,
            String policyPackVersion,
            String policyName,
            String enforcementLevel,
            String severity,
            String message,
            ObjectNode json)
            implements EngineEvent {

        /** Whether the violation fails the operation. */
        public boolean mandatory() {
            return "mandatory".equals(enforcementLevel);
        }
    }

    /**
     * Progress of a plugin download or install ({@code type} {@code plugin-download}, {@code plugin-install}, …):
     * {@code received} of {@code total} (bytes, for those two; both 0 when the engine only shows a message).
     */
    record Progress(
            long sequence,
            long timestamp,
            String type,
            String id,
            String message,
            long received,
            long total,
            boolean done,
            ObjectNode json)
            implements EngineEvent {}

    /** An error that ends the operation outside any resource step. */
    record Error(long sequence, long timestamp, String error, ObjectNode json) implements EngineEvent {}

    /**
     * The operation's outcome: {@code result} is {@code succeeded}, {@code failed} or {@code canceled};
     * {@code resourceChanges} counts steps by op.
     */
    record Summary(
            long sequence,
            long timestamp,
            String result,
            boolean isPreview,
            boolean maybeCorrupt,
            long durationSeconds,
            Map<String, Integer> resourceChanges,
            ObjectNode json)
            implements EngineEvent {}

    /**
     * The last event of every operation, whatever its outcome ({@code cancelEvent} in the engine's schema,
     * named {@code end} here, since it is no sign of a cancellation).
     */
    record Cancel(long sequence, long timestamp, ObjectNode json) implements EngineEvent {}

    /**
     * A kind this model does not know (the loading of policy packs and their per-resource summaries, debugging,
     * newer engines): kept whole.
     */
    record Unknown(long sequence, long timestamp, ObjectNode json) implements EngineEvent {}

    /**
     * What a resource step does: {@code op} is one of the engine's ops ({@code create}, {@code update},
     * {@code delete}, {@code same}, {@code replace}, …, kept as the engine spells it), {@code detailedDiff}
     * maps a property path to its diff kind ({@code add}, {@code update-replace}, …).
     */
    record StepMetadata(
            String op,
            String urn,
            String type,
            String provider,
            List<String> diffs,
            Map<String, String> detailedDiff,
            ObjectNode oldState,
            ObjectNode newState) {}
}
