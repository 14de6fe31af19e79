package dev.provisioner.run;

import dev.provisioner.DaemonThreads;
import dev.provisioner.audit.AuditSink;
import dev.provisioner.audit.AuditTrail;
import dev.provisioner.contract.CancelRequest;
import dev.provisioner.contract.Completion;
import dev.provisioner.contract.ProvisioningRequest;
import dev.provisioner.engine.Cancellation;
import dev.provisioner.engine.Engine;
import dev.provisioner.engine.EngineResult;
import dev.provisioner.engine.EngineRun;
import dev.provisioner.engine.HistoryEntry;
import dev.provisioner.engine.PreparedProgram;
import dev.provisioner.engine.RunSpec;
import dev.provisioner.engine.StackFence;
import dev.provisioner.event.EngineEvent;
import dev.provisioner.event.RunSink;
import dev.provisioner.event.RunSinks;
import dev.provisioner.event.SecretRedactor;
import dev.provisioner.lease.Lease;
import dev.provisioner.lease.StackLeases;
import dev.provisioner.telemetry.OtelLogSink;
import dev.provisioner.telemetry.RunLogs;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Takes a request from acceptance to its one completion: audits that it was accepted, runs the engine,
 * feeds every engine event to the run's sinks (the audit trail, the OpenTelemetry log records, the run's
 * summary, the journal), and publishes the completion once the sinks have what they will get.
 */
@ApplicationScoped
public class Provisioner {

    private static final Logger LOG = Logger.getLogger(Provisioner.class);

    private static final Completion.ErrorInfo AUDIT_INCOMPLETE = new Completion.ErrorInfo(
            "audit", "the run ended, but the broker did not take every record of its audit trail");

    private final Engine engine;
    private final AuditSink audit;
    private final OtelLogSink otel;
    private final Completions completions;
    private final RunRegistry registry;
    private final RunJournal journal;
    private final RunMetrics metrics;
    private final Tracer tracer;
    private final Clock clock;
    private final RunsConfig config;
    private final StackLeases leases;
    private final ScheduledExecutorService timeouts =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("provisioner-timeouts"));

    public Provisioner(
            Engine engine,
            AuditSink audit,
            OtelLogSink otel,
            Completions completions,
            RunRegistry registry,
            RunJournal journal,
            RunMetrics metrics,
            Tracer tracer,
            Clock clock,
            RunsConfig config,
            StackLeases leases) {
        this.engine = engine;
        this.audit = audit;
        this.otel = otel;
        this.completions = completions;
        this.registry = registry;
        this.journal = journal;
        this.metrics = metrics;
        this.tracer = tracer;
        this.clock = clock;
        this.config = config;
        this.leases = leases;
    }

    /**
     * Runs a valid request and publishes its completion. Blocks for as long as the run takes: call it on
     * a worker thread.
     *
     * @param program the request's program, made ready for this run ({@code RequestParser.program}): every audit
     *     record and the completion name its digest
     * @throws RequestLeftForRedelivery when the service stopped the run to shut down: nothing is
     *     published, and the request must be delivered again
     * @throws RuntimeException when the broker does not acknowledge the audit trail's start (when the
     *     trail is strict) or the completion: the request is then not done, and must be delivered again
     */
    public Completion provision(ProvisioningRequest request, PreparedProgram program) {
        journal.queued(request);
        try {
            return accept(request, program);
        } catch (RuntimeException e) {
            // Not done: the request is delivered again, here or on another replica.
            journal.interrupted(request.requestId());
            throw e;
        }
    }

    /**
     * Holds the stack's lease for the request (when leases are on): taken before anything is written for the
     * stack, released once the run is over, left to lapse when it may not be (its CLI's watchdog then kills it
     * before another replica may take the stack).
     */
    private Completion accept(ProvisioningRequest request, PreparedProgram program) {
        if (!leases.enabled()) {
            return accept(request, program, StackFence.NONE, new boolean[1]);
        }
        Lease lease;
        try {
            lease = leases.take(request.key());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the lease of " + request.key(), e);
        }
        boolean[] cliDone = new boolean[1];
        try {
            Completion completion = accept(request, program, lease, cliDone);
            lease.release();
            return completion;
        } catch (RuntimeException | Error e) {
            if (lease.lost()) {
                LOG.warnf(
                        "request %s (%s): the stack's lease was lost (%s); nothing more is written for it here",
                        request.requestId(), request.key(), lease);
            }
            if (cliDone[0] && !lease.lost()) {
                lease.release();
            } else {
                lease.abandon();
            }
            throw e;
        }
    }

    /**
     * Stops what this replica does on {@code stacks} ({@code project/stack} keys), for a replica that no longer
     * owns them (their partitions were revoked): their runs are cancelled as on shutdown (nothing published,
     * the requests left to be delivered again) and a wait for one of their leases ends.
     */
    public void stop(Set<String> stacks) {
        leases.stopWaiting(stacks);
        registry.runs().stream()
                .filter(run ->
                        stacks.contains(run.spec().project() + "/" + run.spec().stack()))
                .forEach(run -> run.cancel(Cancellation.SHUTDOWN));
    }

    private Completion accept(
            ProvisioningRequest request, PreparedProgram program, StackFence fence, boolean[] cliDone) {
        LOG.infof(
                "request %s (%s %s) accepted",
                request.requestId(), request.operation().cliName(), request.key());
        AuditTrail trail = audit.open(request, program.digest());
        journal.attempt(request.requestId(), trail.attempt());
        // Strict (the default): nothing runs until the audit trail holds the request.
        Acks.await(trail.gate("accepted", accepted(request)));

        Optional<CancelRequest> cancelledEarly = registry.takePending(request.requestId());
        if (cancelledEarly.isPresent()) {
            Instant now = clock.instant();
            var error =
                    new Completion.ErrorInfo("cancelled", cancelledEarly.get().describe() + " before it started");
            return finish(
                    request,
                    trail,
                    Completion.of(request)
                            .status(Completion.Status.CANCELLED, error)
                            .between(now, now)
                            .engineVersion(engineVersion())
                            .program(identity(program))
                            .build(),
                    fence);
        }

        Span span = tracer.spanBuilder("provision " + request.operation().cliName())
                .setAttribute("provisioner.request.id", request.requestId())
                .setAttribute("provisioner.project", request.project())
                .setAttribute("provisioner.stack", request.stack())
                .setAttribute("provisioner.operation", request.operation().cliName())
                .setAttribute("enduser.id", request.requestedBy())
                .startSpan();
        try {
            Completion completion =
                    run(request, program, trail, Context.current().with(span), fence, cliDone);
            if (completion.status() != Completion.Status.SUCCEEDED) {
                span.setStatus(StatusCode.ERROR, completion.status().wireName());
            }
            return finish(request, trail, completion, fence);
        } finally {
            span.end();
        }
    }

    /** Cancels a request: its run if this replica has it, else the request when its turn comes. */
    public void cancel(CancelRequest cancel) {
        registry.cancel(cancel).ifPresent(active -> {
            LOG.infof("request %s: %s", cancel.requestId(), cancel.describe());
            // Not awaited: other cancellations need not wait on the audit topic. The run's completion waits
            // for the record, and says so if it was not written.
            active.trail().post("cancel-requested", cancel);
        });
    }

    /**
     * Writes the trail's last record, a signed checkpoint of the stack's audit chain, and publishes the
     * completion with its receipt. A trail that lacks a record makes the completion say so, unless it already
     * says why the request did not succeed; the completion goes out all the same: the run is over.
     */
    private Completion finish(ProvisioningRequest request, AuditTrail trail, Completion outcome, StackFence fence) {
        if (!fence.holds()) {
            // Another replica may hold the stack now: its chain and its completion are that replica's to write.
            throw RequestLeftForRedelivery.leaseLost(request.requestId());
        }
        String phase = switch (outcome.status()) {
            case CANCELLED -> "cancelled";
            default -> outcome.redelivered() ? "redelivered" : "completed";
        };
        boolean intact = Acks.written(trail.settled()) && trail.intact();
        Completion completion = intact || outcome.error() != null ? outcome : outcome.withError(AUDIT_INCOMPLETE);
        Optional<Completion.Receipt> receipt = Acks.taken(trail.checkpoint(phase, completion));
        if (receipt.isEmpty() && completion.error() == null) {
            completion = completion.withError(AUDIT_INCOMPLETE);
        }
        completion = completion.withReceipt(receipt.orElse(null));
        completions.publish(request.key(), completion);
        LOG.infof(
                "request %s (%s %s) %s%s in %d ms",
                request.requestId(),
                request.operation().cliName(),
                request.key(),
                completion.status().wireName(),
                completion.redelivered() ? " earlier, not run again" : "",
                completion.durationMs());
        return completion;
    }

    private Completion run(
            ProvisioningRequest request,
            PreparedProgram program,
            AuditTrail trail,
            Context trace,
            StackFence fence,
            boolean[] cliDone) {
        Instant started = clock.instant();
        // The request cannot set a key of the program's credentials (RequestParser): nothing is overridden.
        Map<String, String> secretConfig = new HashMap<>(request.secretConfig());
        secretConfig.putAll(program.secretConfig());
        var spec = new RunSpec(
                request.operation(),
                request.project(),
                request.stack(),
                program.program(),
                request.config(),
                secretConfig,
                new UpdateMessage(request.requestId(), request.requestedBy()).text(),
                traceparent(trace),
                program.environment());
        Acks.await(trail.gate("started", started(program)));
        EngineRun run = engine.start(spec, fence, recovery -> {
            if (!fence.holds()) {
                throw RequestLeftForRedelivery.leaseLost(request.requestId());
            }
            Acks.await(trail.lifecycle("recovered", recovery));
        });
        journal.running(request.requestId());
        registry.started(request.requestId(), run, trail).ifPresent(cancel -> cancel(cancel));
        Duration timeout = request.timeoutSeconds() == null
                ? config.defaultTimeout()
                : Duration.ofSeconds(request.timeoutSeconds());
        ScheduledFuture<?> deadline =
                timeouts.schedule(() -> run.cancel(Cancellation.TIMEOUT), timeout.toMillis(), TimeUnit.MILLISECONDS);
        RunLogs logs = otel.open(request, trace);
        RunSummary summary = new RunSummary();
        List<RunSink> sinks = List.of(
                fenced(trail.events(), fence, request),
                logs,
                summary,
                journal.sink(request.requestId()),
                metrics::event);
        try {
            RunSinks.feed(run.events(), sinks).await().atMost(timeout.plus(config.cancelGrace()));
        } catch (RuntimeException e) {
            // Nobody follows the run any more: stop it rather than let it change the stack unobserved.
            run.cancel(Cancellation.SHUTDOWN);
            logs.finish();
            throw e;
        } finally {
            deadline.cancel(false);
            registry.finished(request.requestId());
        }
        EngineResult result = run.result().await().atMost(config.cancelGrace());
        cliDone[0] = true;
        RunLogs.Counts exported = logs.finish();
        if (!fence.holds()) {
            throw RequestLeftForRedelivery.leaseLost(request.requestId());
        }
        if (run.cancellation() == Cancellation.SHUTDOWN && result.status() != EngineResult.Status.SUCCEEDED) {
            throw RequestLeftForRedelivery.of(request.requestId());
        }
        if (result.alreadyRan()) {
            return redelivered(request, program, result);
        }
        return Completion.of(request)
                .status(status(result), error(result, summary, run.cancellation(), new SecretRedactor(spec.secrets())))
                .between(started, clock.instant())
                .resourceChanges(summary.resourceChanges())
                .outputs(masked(result.outputs()))
                .events(new Completion.EventCounts(
                        summary.total(), logs.enabled(), exported.exported(), exported.dropped(), trail.acknowledged()))
                .engineVersion(engineVersion())
                .program(identity(program))
                .build();
    }

    /**
     * The audit trail's sink, writing only while the run holds its stack: a replica that lost the stack (frozen,
     * then resumed) must not add links to a chain that another replica now writes.
     */
    private static RunSink fenced(RunSink audit, StackFence fence, ProvisioningRequest request) {
        if (fence == StackFence.NONE) {
            return audit;
        }
        return new RunSink() {
            @Override
            public void accept(EngineEvent event) {
                if (!fence.holds()) {
                    throw RequestLeftForRedelivery.leaseLost(request.requestId());
                }
                audit.accept(event);
            }

            @Override
            public CompletionStage<Void> drained() {
                return audit.drained();
            }
        };
    }

    /** The completion of a request whose update the stack's history already holds. */
    private Completion redelivered(ProvisioningRequest request, PreparedProgram program, EngineResult result) {
        HistoryEntry earlier = result.earlier();
        Instant start = Optional.ofNullable(earlier.startTime()).orElse(clock.instant());
        Instant end = Optional.ofNullable(earlier.endTime()).orElse(start);
        return Completion.of(request)
                .status(Completion.Status.SUCCEEDED, null)
                .between(start, end)
                .resourceChanges(earlier.resourceChanges())
                .outputs(masked(result.outputs()))
                .engineVersion(engineVersion())
                .program(identity(program))
                .redelivered()
                .build();
    }

    private static Completion.Status status(EngineResult result) {
        return switch (result.status()) {
            case SUCCEEDED -> Completion.Status.SUCCEEDED;
            case FAILED -> Completion.Status.FAILED;
            case CANCELLED -> Completion.Status.CANCELLED;
        };
    }

    /** The CLI's own words (when no engine event said what failed) may quote a secret: they are masked too. */
    private static Completion.ErrorInfo error(
            EngineResult result, RunSummary summary, Cancellation cancellation, SecretRedactor secrets) {
        return switch (result.status()) {
            case SUCCEEDED -> null;
            case CANCELLED ->
                cancellation == Cancellation.TIMEOUT
                        ? new Completion.ErrorInfo("timeout", "the run outlived its timeout and was cancelled")
                        : new Completion.ErrorInfo("cancelled", "the run was cancelled");
            case FAILED ->
                new Completion.ErrorInfo(
                        "engine", summary.errors() != null ? summary.errors() : secrets.redact(result.error()));
        };
    }

    private static Map<String, Object> masked(Map<String, EngineResult.StackOutput> outputs) {
        Map<String, Object> masked = new LinkedHashMap<>();
        outputs.forEach((name, output) -> masked.put(name, output.secret() ? Completion.SECRET_MASK : output.value()));
        return masked;
    }

    private static Map<String, Object> accepted(ProvisioningRequest request) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("configKeys", request.config().keySet());
        details.put("secretConfigKeys", request.secretConfig().keySet());
        details.put(
                "otelAppCode", request.otel() == null ? null : request.otel().appCode());
        details.put("timeoutSeconds", request.timeoutSeconds());
        return details;
    }

    private Map<String, Object> started(PreparedProgram program) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("engineVersion", engineVersion());
        // Which credentials the service gave the run, by name only.
        details.put("credentialEnv", new TreeSet<>(program.environment().keySet()));
        details.put("credentialConfigKeys", new TreeSet<>(program.secretConfig().keySet()));
        return details;
    }

    private static Completion.ProgramInfo identity(PreparedProgram program) {
        return new Completion.ProgramInfo(program.name(), program.digest(), program.serviceVersion());
    }

    /** The run span's W3C {@code traceparent}, or null when there is no span to join. */
    private static String traceparent(Context trace) {
        Map<String, String> carrier = new HashMap<>();
        W3CTraceContextPropagator.getInstance().inject(trace, carrier, Map::put);
        return carrier.get("traceparent");
    }

    private String engineVersion() {
        try {
            return engine.cli().version().toString();
        } catch (Exception e) {
            return "unknown";
        }
    }

    @PreDestroy
    void stop() {
        timeouts.shutdownNow();
    }
}
