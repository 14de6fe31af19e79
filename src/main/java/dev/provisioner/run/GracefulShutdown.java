package dev.provisioner.run;

import dev.provisioner.engine.Cancellation;
import dev.provisioner.engine.EngineConfig;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * On SIGTERM: stop taking requests, give the requests under way {@code provisioner.runs.shutdown-grace} to
 * finish, then cancel their runs. A request that finishes publishes its completion as usual; a request that
 * was not started, or whose run was cancelled, publishes nothing and is not committed, so it is delivered
 * again.
 */
@ApplicationScoped
public class GracefulShutdown {

    private static final Logger LOG = Logger.getLogger(GracefulShutdown.class);

    private final RunRegistry registry;
    private final RunsConfig config;
    private final EngineConfig engine;
    private final Clock clock;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean draining;

    public GracefulShutdown(RunRegistry registry, RunsConfig config, EngineConfig engine, Clock clock) {
        this.registry = registry;
        this.config = config;
        this.engine = engine;
        this.clock = clock;
    }

    /**
     * Takes a request in, unless the service is shutting down: then it must be left to be delivered again.
     * A request taken in is {@linkplain #release() released} once it is done, its completion published:
     * shutdown waits for that, not only for its run, or the messaging connectors would close under a
     * completion still being sent.
     */
    public boolean admit() {
        inFlight.incrementAndGet();
        if (draining) {
            inFlight.decrementAndGet();
            return false;
        }
        return true;
    }

    /** A request {@linkplain #admit() taken in} is done. */
    public void release() {
        inFlight.decrementAndGet();
    }

    // Before the messaging connectors close: completions of the requests that finish must still go out.
    void drain(@Observes @Priority(1) ShutdownEvent event) {
        draining = true;
        if (inFlight.get() == 0) {
            return;
        }
        LOG.infof(
                "shutting down: waiting up to %s for %d request(s) to finish", config.shutdownGrace(), inFlight.get());
        if (!awaitIdle(config.shutdownGrace(), false)) {
            LOG.warnf(
                    "shutting down: cancelling %d run(s); their requests will be delivered again",
                    registry.runs().size());
            // The engine gets its two signals, then is killed; its completion-less request is then done.
            awaitIdle(engine.cancelEscalation().multipliedBy(2).plusSeconds(10), true);
        }
    }

    /**
     * Waits until no request is under way; when {@code cancelling}, cancels every run, also one that a request
     * still starts meanwhile.
     */
    private boolean awaitIdle(Duration atMost, boolean cancelling) {
        return Waits.until(clock, atMost, () -> inFlight.get() == 0, () -> {
            if (cancelling) {
                registry.runs().forEach(run -> run.cancel(Cancellation.SHUTDOWN));
            }
        });
    }
}
