package dev.provisioner.audit;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The audit trail on Kafka. */
@ConfigMapping(prefix = "provisioner.audit")
public interface AuditConfig {

    /** The CloudEvents {@code source} of every record, followed by {@code /<project>/<stack>}. */
    @WithDefault("/provisioner")
    String source();

    /**
     * Audit records of one run sent and not yet acknowledged; past it the run's events wait for
     * acknowledgements. The idempotent producer keeps them in order whatever this is; more hides the
     * broker's round trip on long runs, and holds more of a run's records in memory (and the run's events
     * less long) through a broker outage.
     */
    @WithDefault("1024")
    int maxInFlight();

    /**
     * Whether a run waits for the broker to acknowledge its {@code accepted} and {@code started} records
     * before the engine starts: no run the audit trail does not know of. When false, a run goes on while
     * the audit topic is unavailable, and its completion says when the trail stayed incomplete.
     */
    @WithDefault("true")
    boolean strict();
}
