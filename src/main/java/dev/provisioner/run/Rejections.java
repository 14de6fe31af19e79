package dev.provisioner.run;

import dev.provisioner.audit.AuditSink;
import dev.provisioner.completion.DeadLetterProducer;
import dev.provisioner.contract.Completion;
import dev.provisioner.contract.Rejection;
import dev.provisioner.contract.RequestRules;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import org.jboss.logging.Logger;

/**
 * What becomes of a request that cannot run: its payload (token and secrets masked) on the dead-letter topic,
 * a {@code rejected} record in the audit trail, and a {@code rejected} completion, each acknowledged by the
 * broker before the next.
 */
@ApplicationScoped
public class Rejections {

    private static final Logger LOG = Logger.getLogger(Rejections.class);

    private final DeadLetterProducer deadLetters;
    private final AuditSink audit;
    private final Completions completions;
    private final RunMetrics metrics;
    private final Clock clock;

    Rejections(
            DeadLetterProducer deadLetters, AuditSink audit, Completions completions, RunMetrics metrics, Clock clock) {
        this.deadLetters = deadLetters;
        this.audit = audit;
        this.completions = completions;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** @throws RuntimeException when the broker does not take one of the three: the record is read again */
    public void reject(Rejection rejection) {
        Acks.await(deadLetters.send(rejection));
        metrics.deadLettered();
        Completion.Receipt receipt = Acks.await(audit.rejected(rejection.id(), rejection.key(), rejection.reason()));
        completions.publish(
                rejection.key(), Completion.rejected(rejection, clock.instant()).withReceipt(receipt));
        // The key as it came: control characters in it would forge log lines or colour a terminal.
        LOG.warnf(
                "rejected %s (key %s): %s",
                rejection.id(), RequestRules.printable(rejection.key()), rejection.reason());
    }
}
