package dev.provisioner.run;

import dev.provisioner.engine.EngineConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Lets runs finish before their stacks move to another replica: waits {@code provisioner.runs.handover-grace}
 * for them, then cancels those still going (their requests are left to be delivered again) and waits for them
 * to stop, as the shutdown does.
 */
@ApplicationScoped
public class Handover {

    private static final Logger LOG = Logger.getLogger(Handover.class);

    private final Provisioner provisioner;
    private final RunsConfig config;
    private final EngineConfig engine;
    private final Clock clock;

    public Handover(Provisioner provisioner, RunsConfig config, EngineConfig engine, Clock clock) {
        this.provisioner = provisioner;
        this.config = config;
        this.engine = engine;
        this.clock = clock;
    }

    /**
     * Waits until {@code done}, for at most the hand-over grace; then stops what this replica does on {@code
     * stacks} ({@code project/stack}, as they are then): their runs are cancelled and a wait for one of their
     * leases ends; and waits for them to stop.
     *
     * @return whether {@code done} became true
     */
    public boolean await(BooleanSupplier done, Supplier<Set<String>> stacks) {
        if (awaitFor(config.handoverGrace(), done)) {
            return true;
        }
        Set<String> leaving = stacks.get();
        LOG.warnf("handing over %s: cancelling their runs; their requests will be delivered again", leaving);
        provisioner.stop(leaving);
        return awaitFor(engine.cancelEscalation().multipliedBy(2).plusSeconds(10), done);
    }

    private boolean awaitFor(Duration atMost, BooleanSupplier done) {
        return Waits.until(clock, atMost, done, () -> {});
    }
}
