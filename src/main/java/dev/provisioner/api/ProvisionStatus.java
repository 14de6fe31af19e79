package dev.provisioner.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.provisioner.contract.Completion;
import dev.provisioner.run.RunJournal;
import java.time.Instant;
import java.util.Map;

/**
 * A request as {@code GET /provisions/{id}} shows it.
 *
 * @param status {@code queued}, {@code running}, {@code succeeded}, {@code failed}, {@code cancelled} or
 *     {@code rejected}
 * @param requestedBy absent when this replica knows the request from its completion only
 * @param queuedAt when this replica took the request in; absent as for {@code requestedBy}
 * @param resourceChanges steps by op: the engine's summary once finished, the steps done so far before
 * @param outputs the stack's outputs after {@code up}, secret ones as {@code "[secret]"}
 * @param error why it did not succeed
 * @param events engine events of the run
 * @param redelivered whether the request had run before and was not run again
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProvisionStatus(
        String requestId,
        String status,
        String operation,
        String project,
        String stack,
        String requestedBy,
        Instant queuedAt,
        Instant startedAt,
        Instant finishedAt,
        Long durationMs,
        Map<String, Integer> resourceChanges,
        Map<String, Object> outputs,
        Completion.ErrorInfo error,
        long events,
        Boolean redelivered) {

    static ProvisionStatus of(RunJournal.Entry entry) {
        Completion done = entry.completion();
        return new ProvisionStatus(
                entry.requestId(),
                entry.status(),
                entry.operation(),
                entry.project(),
                entry.stack(),
                entry.requestedBy(),
                entry.queuedAt(),
                entry.startedAt(),
                entry.finishedAt(),
                done == null ? null : done.durationMs(),
                entry.resourceChanges(),
                done == null ? null : done.outputs(),
                done == null ? null : done.error(),
                done == null
                        ? entry.events()
                        : Math.max(entry.events(), done.events().total()),
                done == null ? null : done.redelivered());
    }
}
