package dev.provisioner.telemetry;

import dev.provisioner.event.EngineEvent;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import java.time.Clock;
import java.util.Collection;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The log records of one run, exported by the run's own batch processor. Each record takes a place in the
 * run's queue ({@code max-queue-size}) before it is emitted, and each export's answer gives its records'
 * places back. While the endpoint takes them, a record waits for a place; once one of the run's exports has
 * failed, a record that finds no place is dropped (counted), so a down or stalled endpoint holds the run up
 * for at most {@code export-timeout}.
 */
final class ExportedRunLogs implements RunLogs {

    private static final String SCOPE = "dev.provisioner.engine";

    private final SdkLoggerProvider provider;
    private final Logger logger;
    private final CountingExporter exporter;
    /** Places in the run's queue; an export's answer gives its records' places back. */
    private final Semaphore room;

    private final Attributes run;
    private final Context trace;
    private final Clock clock;
    private final OtelConfig config;
    private final AtomicLong handed = new AtomicLong();

    /** @param provider a provider whose batch processor exports through {@code exporter} */
    ExportedRunLogs(
            SdkLoggerProvider provider,
            CountingExporter exporter,
            Attributes run,
            Context trace,
            Clock clock,
            OtelConfig config) {
        this.provider = provider;
        this.logger = provider.get(SCOPE);
        this.exporter = exporter;
        this.room = exporter.room;
        this.run = run;
        this.trace = trace;
        this.clock = clock;
        this.config = config;
    }

    @Override
    public boolean enabled() {
        return true;
    }

    @Override
    public void accept(EngineEvent event) {
        handed.incrementAndGet();
        if (!awaitRoom()) {
            return;
        }
        LogRecordMapping.map(event, logger.logRecordBuilder(), run, clock.instant())
                .setContext(trace)
                .emit();
    }

    /**
     * Takes a place in the queue for one record: waits for one unless an export of the run has failed, for at
     * most {@code export-timeout}, by when the export under way has its answer, which gives places back.
     *
     * @return false when there is no place: the record is dropped
     */
    private boolean awaitRoom() {
        if (room.tryAcquire()) {
            return true;
        }
        if (exporter.failed()) {
            return false;
        }
        try {
            return room.tryAcquire(config.exportTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public Counts finish() {
        provider.shutdown().join(config.flushTimeout().toMillis(), TimeUnit.MILLISECONDS);
        long exported = exporter.exported();
        return new Counts(exported, handed.get() - exported);
    }

    /**
     * Counts what the endpoint accepted, and gives the run's queue its places back for every record that has
     * its answer; shuts the delegate down only when it is the run's own.
     */
    static final class CountingExporter implements LogRecordExporter {
        private final LogRecordExporter delegate;
        private final boolean owned;
        private final Semaphore room;
        private final AtomicLong exported = new AtomicLong();
        private volatile boolean failed;

        /** @param queueSize the run's queue size: the places records take */
        CountingExporter(LogRecordExporter delegate, boolean owned, int queueSize) {
            this.delegate = delegate;
            this.owned = owned;
            this.room = new Semaphore(queueSize);
        }

        long exported() {
            return exported.get();
        }

        /** Whether an export has failed. */
        boolean failed() {
            return failed;
        }

        @Override
        public CompletableResultCode export(Collection<LogRecordData> logs) {
            CompletableResultCode result = delegate.export(logs);
            int n = logs.size();
            result.whenComplete(() -> {
                if (result.isSuccess()) {
                    exported.addAndGet(n);
                } else {
                    failed = true;
                }
                room.release(n);
            });
            return result;
        }

        @Override
        public CompletableResultCode flush() {
            return delegate.flush();
        }

        @Override
        public CompletableResultCode shutdown() {
            return owned ? delegate.shutdown() : CompletableResultCode.ofSuccess();
        }
    }
}
