package dev.provisioner.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.provisioner.engine.HistoryEntry;
import dev.provisioner.run.UpdateMessage;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * One update in a stack's history, as {@code GET /stacks/{project}/{stack}/history} shows it.
 *
 * @param kind {@code update}, {@code destroy}, {@code refresh}, …
 * @param result {@code succeeded}, {@code failed} or {@code in-progress}
 * @param requestId the request that made the update; absent when the service did not make it
 * @param requestedBy who asked for it, as the request said
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StackUpdate(
        long version,
        String kind,
        String result,
        String message,
        String requestId,
        String requestedBy,
        Instant startTime,
        Instant endTime,
        Map<String, Integer> resourceChanges) {

    static StackUpdate of(HistoryEntry entry) {
        Optional<UpdateMessage> by = UpdateMessage.parse(entry.message());
        return new StackUpdate(
                entry.version(),
                entry.kind(),
                entry.result(),
                entry.message(),
                by.map(UpdateMessage::requestId).orElse(null),
                by.map(UpdateMessage::requestedBy).orElse(null),
                entry.startTime(),
                entry.endTime(),
                entry.resourceChanges());
    }
}
