package dev.provisioner.run;

import dev.provisioner.contract.Completion;
import dev.provisioner.event.EngineEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The runs as metrics ({@code /q/metrics}): how many ended how, how long they took, what they changed,
 * what became of their events. The audit sink counts its own records; the journal counts queued
 * requests per stack.
 */
@ApplicationScoped
public class RunMetrics {

    /** Runs last seconds to hours: buckets that tell a quick run from a stuck one. */
    private static final Duration[] DURATION_BUCKETS = {
        Duration.ofSeconds(1),
        Duration.ofSeconds(5),
        Duration.ofSeconds(15),
        Duration.ofSeconds(30),
        Duration.ofMinutes(1),
        Duration.ofMinutes(2),
        Duration.ofMinutes(5),
        Duration.ofMinutes(10),
        Duration.ofMinutes(30),
        Duration.ofHours(1)
    };

    /** The operation tag of a rejected request that named none readable. */
    private static final String NO_OPERATION = "none";

    private final MeterRegistry meters;
    /** By kind: the counts behind {@code provisioner.engine.events}, held here (the registry holds them weakly). */
    private final Map<String, LongAdder> eventsByKind = new ConcurrentHashMap<>();

    private final Counter deadLetters;
    private final Counter otelExported;
    private final Counter otelDropped;

    public RunMetrics(MeterRegistry meters, RunRegistry registry) {
        this.meters = meters;
        Gauge.builder("provisioner.runs.in.flight", registry, RunRegistry::active)
                .description("Runs under way on this replica")
                .register(meters);
        this.deadLetters = Counter.builder("provisioner.dead.letters")
                .description("Rejected requests sent to the dead-letter topic")
                .register(meters);
        this.otelExported = otelRecords("exported");
        this.otelDropped = otelRecords("dropped");
    }

    private Counter otelRecords(String outcome) {
        return Counter.builder("provisioner.otel.records")
                .description("OpenTelemetry log records of finished runs, by what became of them")
                .tag("outcome", outcome)
                .register(meters);
    }

    /** A request ended, rejected ones included. */
    void finished(Completion completion) {
        String operation = completion.operation() != null ? completion.operation() : NO_OPERATION;
        String result = completion.status().wireName();
        String redelivered = Boolean.toString(completion.redelivered());
        Counter.builder("provisioner.runs")
                .description("Requests that ended, by operation and result")
                .tags("operation", operation, "result", result, "redelivered", redelivered)
                .register(meters)
                .increment();
        if (completion.startedAt() != null && !completion.redelivered()) {
            Timer.builder("provisioner.run.duration")
                    .description("How long runs took, from the engine's start to the completion")
                    .tags("operation", operation, "result", result)
                    .serviceLevelObjectives(DURATION_BUCKETS)
                    .register(meters)
                    .record(Duration.ofMillis(completion.durationMs()));
        }
        if (!completion.redelivered()) {
            completion
                    .resourceChanges()
                    .forEach((op, count) -> Counter.builder("provisioner.resource.changes")
                            .description("Resource steps of finished runs, by op")
                            .tag("op", op)
                            .register(meters)
                            .increment(count));
        }
        otelExported.increment(completion.events().otelExported());
        otelDropped.increment(completion.events().otelDropped());
    }

    /**
     * An engine event of a run; called for every one, so only an addition: the registry reads the counts
     * when it is scraped (a counter's increment, with exemplars, costs far more).
     */
    void event(EngineEvent event) {
        eventsByKind.computeIfAbsent(event.name(), this::eventsOfKind).increment();
    }

    private LongAdder eventsOfKind(String kind) {
        LongAdder count = new LongAdder();
        FunctionCounter.builder("provisioner.engine.events", count, LongAdder::sum)
                .description("Engine events of runs, by kind")
                .tag("kind", kind)
                .register(meters);
        return count;
    }

    void deadLettered() {
        deadLetters.increment();
    }
}
