package dev.provisioner.engine;

import java.time.Instant;
import java.util.Map;

/**
 * One update in a stack's history ({@code pulumi stack history --json}), as kept by the backend.
 *
 * @param kind {@code update}, {@code destroy}, {@code refresh}, …
 * @param result {@code succeeded}, {@code failed} or {@code in-progress}
 */
public record HistoryEntry(
        long version,
        String kind,
        String message,
        String result,
        Instant startTime,
        Instant endTime,
        Map<String, Integer> resourceChanges) {

    public boolean succeeded() {
        return "succeeded".equals(result);
    }
}
