package dev.provisioner.bench;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/** When each event of a run, by engine sequence, first arrived somewhere ({@link System#nanoTime()}). */
final class Arrivals {

    private final AtomicLongArray at;
    private final AtomicInteger count = new AtomicInteger();

    Arrivals(int events) {
        at = new AtomicLongArray(events);
    }

    /** Notes the first arrival of {@code sequence}; later ones (redeliveries) and strangers are ignored. */
    void arrived(long sequence, long nanos) {
        if (sequence >= 0 && sequence < at.length() && at.compareAndSet((int) sequence, 0, nanos)) {
            count.incrementAndGet();
        }
    }

    /** Distinct events arrived so far. */
    int count() {
        return count.get();
    }

    /** The way from entering the stream to arriving here, over the events that arrived. */
    Latency since(long[] entered) {
        long[] nanos = new long[count()];
        int n = 0;
        for (int i = 0; i < at.length() && n < nanos.length; i++) {
            long arrived = at.get(i);
            if (arrived != 0) {
                nanos[n++] = arrived - entered[i];
            }
        }
        Arrays.sort(nanos, 0, n);
        return new Latency(n, percentile(nanos, n, 0.50), percentile(nanos, n, 0.99), n == 0 ? 0 : nanos[n - 1]);
    }

    private static long percentile(long[] sorted, int n, double p) {
        return n == 0 ? 0 : sorted[(int) Math.ceil(p * n) - 1];
    }

    /** Latencies in nanoseconds over {@code arrived} events. */
    record Latency(int arrived, long p50, long p99, long max) {}
}
