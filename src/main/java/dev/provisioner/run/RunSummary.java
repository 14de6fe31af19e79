package dev.provisioner.run;

import dev.provisioner.event.EngineEvent;
import dev.provisioner.event.RunSink;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a run's events add up to: how many there were, the engine's summary, and why it failed: error diagnostics,
 * engine errors, failed steps and mandatory policy violations.
 */
final class RunSummary implements RunSink {

    private long total;
    private Map<String, Integer> resourceChanges = Map.of();
    private String result;
    private final List<String> errors = new ArrayList<>();

    @Override
    public void accept(EngineEvent event) {
        total++;
        if (event instanceof EngineEvent.Summary s) {
            resourceChanges = s.resourceChanges();
            result = s.result();
        } else if (event instanceof EngineEvent.Diagnostic d && "error".equals(d.severity())) {
            errors.add(d.message().strip());
        } else if (event instanceof EngineEvent.Error e) {
            errors.add(e.error().strip());
        } else if (event instanceof EngineEvent.ResourceOperationFailed f) {
            errors.add(f.metadata().op() + " " + f.metadata().urn() + " failed");
        } else if (event instanceof EngineEvent.Policy p && p.mandatory()) {
            // The engine reports no error diagnostic of its own for it, yet the operation fails.
            errors.add("policy " + p.policyPackName() + "/" + p.policyName() + " (mandatory)"
                    + (p.resourceUrn().isEmpty() ? "" : " on " + p.resourceUrn()) + ": "
                    + p.message().strip());
        }
    }

    long total() {
        return total;
    }

    Map<String, Integer> resourceChanges() {
        return resourceChanges;
    }

    /** The summary's result ({@code succeeded}, {@code failed}, {@code canceled}), or null without one. */
    String result() {
        return result;
    }

    /** The engine's error messages, in order, or null when it reported none. */
    String errors() {
        if (errors.isEmpty()) {
            return null;
        }
        // Bounded by the completion's ErrorInfo.
        return String.join("\n", errors);
    }
}
