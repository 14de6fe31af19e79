package dev.provisioner.run;

import dev.provisioner.engine.Cancellation;
import dev.provisioner.engine.EngineRun;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * On SIGTERM: stop taking requests, give the runs under way {@code provisioner.runs.shutdown-grace} to
 * finish, then cancel them. A run that finishes publishes its completion as usual; a request that was not
 * started, or whose run was cancelled, publishes nothing and is not committed, so it is delivered again.
 */
@ApplicationScoped
public class GracefulShutdown {

    private static final Logger LOG = Logger.getLogger(GracefulShutdown.class);
    private static final Duration POLL = Duration.ofMillis(100);

    private final RunRegistry registry;
    private final RunsConfig config;
    private final dev.provisioner.engine.EngineConfig engine;
    private volatile boolean draining;

    public GracefulShutdown(RunRegistry registry, RunsConfig config, dev.provisioner.engine.EngineConfig engine) {
        this.registry = registry;
        this.config = config;
        this.engine = engine;
    }

    /** Whether the service is shutting down: no new request may start. */
    public boolean draining() {
        return draining;
    }

    // Before the messaging connectors close: completions of the runs that finish must still go out.
    void drain(@Observes @Priority(1) ShutdownEvent event) {
        draining = true;
        List<EngineRun> runs = registry.runs();
        if (runs.isEmpty()) {
            return;
        }
        LOG.infof("shutting down: waiting up to %s for %d run(s) to finish", config.shutdownGrace(), runs.size());
        if (!awaitIdle(config.shutdownGrace())) {
            List<EngineRun> left = registry.runs();
            LOG.warnf("shutting down: cancelling %d run(s); their requests will be delivered again", left.size());
            left.forEach(run -> run.cancel(Cancellation.SHUTDOWN));
            // The engine gets its two signals, then is killed; its completion-less request is then done.
            awaitIdle(engine.cancelEscalation().multipliedBy(2).plusSeconds(10));
        }
    }

    private boolean awaitIdle(Duration atMost) {
        Instant deadline = Instant.now().plus(atMost);
        while (!registry.runs().isEmpty()) {
            if (Instant.now().isAfter(deadline)) {
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
