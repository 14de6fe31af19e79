package dev.provisioner.run;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** The gauge {@code provisioner.requests.queued}: requests known to wait for their run, per stack. */
final class QueuedPerStack {

    private final MeterRegistry meters;
    /** Held here: the registry holds its gauges' values weakly. */
    private final Map<String, AtomicInteger> byStack = new ConcurrentHashMap<>();

    QueuedPerStack(MeterRegistry meters) {
        this.meters = meters;
    }

    void add(String project, String stack, int delta) {
        count(project, stack).addAndGet(delta);
    }

    private AtomicInteger count(String project, String stack) {
        return byStack.computeIfAbsent(project + "/" + stack, key -> {
            var count = new AtomicInteger();
            Gauge.builder("provisioner.requests.queued", count, AtomicInteger::get)
                    .description("Requests known to this replica that wait for their run")
                    .tags("project", project, "stack", stack)
                    .register(meters);
            return count;
        });
    }
}
