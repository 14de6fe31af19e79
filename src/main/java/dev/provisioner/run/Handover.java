package dev.provisioner.run;

import dev.provisioner.engine.EngineConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
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
    private static final Duration POLL = Duration.ofMillis(100);

    private final RunRegistry registry;
    private final RunsConfig config;
    private final EngineConfig engine;
    private final Clock clock;

    public Handover(RunRegistry registry, RunsConfig config, EngineConfig engine, Clock clock) {
        this.registry = registry;
        this.config = config;
        this.engine = engine;
        this.clock = clock;
    }

    /**
     * Waits until {@code done}, for at most the hand-over grace; then cancels the runs of {@code requestIds} (as
     * they are then) and waits for them to stop.
     *
     * @return whether {@code done} became true
     */
    public boolean await(BooleanSupplier done, Supplier<Collection<String>> requestIds) {
        if (awaitFor(config.handoverGrace(), done)) {
            return true;
        }
        Collection<String> leaving = requestIds.get();
        LOG.warnf("handing over: cancelling %d run(s); their requests will be delivered again", leaving.size());
        registry.leave(leaving);
        return awaitFor(engine.cancelEscalation().multipliedBy(2).plusSeconds(10), done);
    }

    private boolean awaitFor(Duration atMost, BooleanSupplier done) {
        Instant deadline = clock.instant().plus(atMost);
        while (!done.getAsBoolean()) {
            if (clock.instant().isAfter(deadline)) {
                return false;
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
