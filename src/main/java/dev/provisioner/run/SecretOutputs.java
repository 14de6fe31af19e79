package dev.provisioner.run;

import com.pulumi.automation.AutomationException;
import dev.provisioner.audit.ReadsTrail;
import dev.provisioner.contract.Completion;
import dev.provisioner.contract.Operation;
import dev.provisioner.engine.HistoryEntry;
import dev.provisioner.engine.StackOutputs;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A finished request's outputs with its secrets in the clear, for whoever may see them: read from the stack's
 * state when asked (the service keeps no secret), only while the stack's latest update is the request's, and
 * given only once this replica's chain of reads on the audit topic holds who read which outputs of which request
 * ({@link ReadsTrail}).
 */
@ApplicationScoped
public class SecretOutputs {

    /** How long the audit record of a read may take to be acknowledged before the read is refused. */
    private static final Duration AUDIT_TIMEOUT = Duration.ofSeconds(30);

    /** Why outputs are not revealed. */
    public enum Refusal {
        /** This replica knows no such request. */
        UNKNOWN,
        /** The request has not finished. */
        NOT_FINISHED,
        /** The request was not an {@code up} that succeeded. */
        NO_OUTPUTS,
        /** The stack's latest update is no longer the request's. */
        REPLACED,
        /** The audit topic did not take the record of the read. */
        AUDIT_UNAVAILABLE
    }

    /** Outputs not revealed, and why, in words. */
    public static final class RefusedException extends RuntimeException {
        private final Refusal refusal;

        RefusedException(Refusal refusal, String detail) {
            super(detail, null, false, false);
            this.refusal = refusal;
        }

        public Refusal refusal() {
            return refusal;
        }
    }

    /**
     * Revealed outputs.
     *
     * @param stackVersion the stack update they are of
     * @param secretOutputs the names of the outputs that are secrets
     * @param auditKey the audit topic key of the chain that holds the read's record
     * @param receipt that record's signed place in its chain
     */
    public record Revealed(
            String requestId,
            String project,
            String stack,
            long stackVersion,
            Map<String, Object> outputs,
            List<String> secretOutputs,
            String auditKey,
            Completion.Receipt receipt) {}

    private final RunJournal journal;
    private final StackOutputs stackOutputs;
    private final ReadsTrail reads;
    private final Clock clock;

    public SecretOutputs(RunJournal journal, StackOutputs stackOutputs, ReadsTrail reads, Clock clock) {
        this.journal = journal;
        this.stackOutputs = stackOutputs;
        this.reads = reads;
        this.clock = clock;
    }

    /**
     * Reads request {@code id}'s outputs for {@code reader}, and audits the read before answering. Blocks while
     * the CLI reads the state.
     *
     * @throws RefusedException when they are not revealed
     * @throws AutomationException when the CLI cannot read the state
     */
    public Revealed reveal(String id, String reader) throws AutomationException {
        RunJournal.Entry entry = journal.find(id)
                .orElseThrow(() -> new RefusedException(Refusal.UNKNOWN, "no request " + id + " is known here"));
        Completion done = entry.completion();
        if (done == null) {
            throw new RefusedException(
                    Refusal.NOT_FINISHED,
                    "request " + id + " is " + entry.status() + "; its outputs come once it has succeeded");
        }
        if (!Operation.UP.cliName().equals(entry.operation()) || done.status() != Completion.Status.SUCCEEDED) {
            throw new RefusedException(
                    Refusal.NO_OUTPUTS,
                    "request " + id + " was " + entry.operation() + " and "
                            + done.status().wireName() + "; only an up that succeeded leaves outputs");
        }
        StackOutputs.Latest latest = stackOutputs
                .readIfLatest(entry.project(), entry.stack(), update -> madeBy(update, id))
                .orElseThrow(() -> new RefusedException(
                        Refusal.REPLACED,
                        "the latest update of stack " + entry.project() + "/" + entry.stack() + " is no longer request "
                                + id + "'s; its outputs are gone from the state"));
        Map<String, Object> values = new LinkedHashMap<>();
        latest.outputs().forEach((name, output) -> values.put(name, output.value()));
        List<String> secret = latest.outputs().entrySet().stream()
                .filter(e -> e.getValue().secret())
                .map(Map.Entry::getKey)
                .toList();
        var read = new ReadsTrail.Revealed(
                id,
                entry.project(),
                entry.stack(),
                latest.update().version(),
                reader,
                clock.instant(),
                List.copyOf(values.keySet()),
                secret);
        Completion.Receipt receipt;
        try {
            receipt = reads.revealed(read, AUDIT_TIMEOUT);
        } catch (IllegalStateException e) {
            throw new RefusedException(
                    Refusal.AUDIT_UNAVAILABLE,
                    "the read could not be audited (" + e.getMessage() + "); nothing is revealed without its record");
        }
        return new Revealed(
                id, entry.project(), entry.stack(), read.stackVersion(), values, secret, reads.key(), receipt);
    }

    /** Whether {@code update} is the stack update request {@code requestId} made. */
    private static boolean madeBy(HistoryEntry update, String requestId) {
        return "update".equals(update.kind())
                && update.succeeded()
                && UpdateMessage.parse(update.message())
                        .map(m -> m.requestId().equals(requestId))
                        .orElse(false);
    }
}
