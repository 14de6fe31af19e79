package dev.provisioner.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.OperatingSystemMXBean;
import dev.provisioner.Channels;
import dev.provisioner.audit.AuditConfig;
import dev.provisioner.audit.AuditSink;
import dev.provisioner.audit.AuditTrail;
import dev.provisioner.audit.CheckpointSigner;
import dev.provisioner.audit.CloudEventHeaders;
import dev.provisioner.audit.chain.AuditChain;
import dev.provisioner.contract.Operation;
import dev.provisioner.contract.ProvisioningRequest;
import dev.provisioner.event.EngineEvent;
import dev.provisioner.event.EngineEvents;
import dev.provisioner.event.RunSinks;
import dev.provisioner.support.OtlpReceiver;
import dev.provisioner.support.OtlpReceiverResource;
import dev.provisioner.support.RealParts;
import dev.provisioner.support.Topics;
import dev.provisioner.telemetry.OtelConfig;
import dev.provisioner.telemetry.OtelLogSink;
import dev.provisioner.telemetry.PrebuiltLogRecords;
import dev.provisioner.telemetry.RunLogs;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Replays a recorded engine stream, scaled to {@value #EVENTS} events, through the real mapping and both
 * sinks (the test broker, the test OTLP endpoint), and prints next to it what a raw {@link KafkaProducer}
 * and a raw {@link OtlpHttpLogRecordExporter} do with the same data against the same endpoints, measured
 * in the same run, with the latency of each event to both ends and the heap a run leaves behind. Lines start
 * with {@code BENCH}; CPU figures are the whole test JVM's (broker, endpoint, JIT and GC included). Not part
 * of the normal test run: {@code ./mvnw test -Pbenchmark} runs it. The targets are printed as PASS or FAIL
 * for the reader; they never fail the build, only an incomplete audit trail does.
 */
@QuarkusTest
@RealParts
@Tag("benchmark")
class PipelineBenchmarkTest {

    static final int EVENTS = 100_000;
    /** Runs of growing length, the retained heap measured after each: it should not grow with them. */
    static final int[] HEAP_SERIES = {10_000, 50_000, 100_000};
    /**
     * Rounds of every measurement before anything is measured: on two cores the JIT compiler still took a
     * third of the CPU in the third round of 100,000 events, so shorter warm-ups measure the compiler.
     */
    static final int WARM_UP_ROUNDS = 5;
    /** Measured rounds, the measurements taking turns so that a neighbour's load falls on all; medians shown. */
    static final int ROUNDS = 3;

    static final String RECORDING = "up-update";
    static final String PROJECT = "bench";
    static final String ACTOR = "bench@example.com";
    static final String APP_CODE = "BENCH";
    static final String TOKEN = "bench-token";
    /** The attempt in the raw producer's record ids: as long as an audit trail's. */
    static final String RAW_ATTEMPT = "00000000";

    /** The pipeline's throughput target, as a share of the slower raw sink's. */
    static final double PIPELINE_SHARE = 0.8;
    /** What the p99 latency may exceed the OTel batch delay by. */
    static final Duration LATENCY_SLACK = Duration.ofMillis(50);
    /** Retained heap that may differ between runs of different lengths without it counting as growth. */
    static final long HEAP_SLACK_BYTES = 4L << 20;

    static final Duration RUN_BOUND = Duration.ofMinutes(5);

    @Inject
    AuditSink audit;

    @Inject
    KafkaClientService kafka;

    @Inject
    AuditConfig auditConfig;

    @Inject
    OtelLogSink otel;

    @Inject
    OtelConfig otelConfig;

    @Inject
    Tracer tracer;

    @Inject
    ObjectMapper mapper;

    @Inject
    CheckpointSigner signer;

    @ConfigProperty(name = "quarkus.application.name")
    String serviceName;

    /** The audit chain may cost at most this share of the pipeline's CPU per event (issue: a tenth). */
    private static final double CHAIN_SHARE = 0.10;

    private ScaledStream stream;
    private int runs;

    @Test
    void replayScaledEngineStreamThroughBothSinks() {
        stream = ScaledStream.of(RECORDING, mapper);
        for (int i = 0; i < WARM_UP_ROUNDS; i++) {
            rawProducer(EVENTS, false);
            rawProducer(EVENTS, true);
            rawExporter(EVENTS);
            auditAlone(EVENTS);
            chain(EVENTS);
            pipeline(EVENTS, false);
            pipeline(EVENTS, true);
        }
        List<Throughput> producers = new ArrayList<>();
        List<Throughput> withHeaders = new ArrayList<>();
        List<Throughput> exporters = new ArrayList<>();
        List<Throughput> audits = new ArrayList<>();
        List<ChainCost> chains = new ArrayList<>();
        List<PipelineRun> pipelines = new ArrayList<>();
        List<PipelineRun> timed = new ArrayList<>();
        for (int i = 0; i < ROUNDS; i++) {
            producers.add(rawProducer(EVENTS, false));
            withHeaders.add(rawProducer(EVENTS, true));
            exporters.add(rawExporter(EVENTS));
            audits.add(auditAlone(EVENTS));
            chains.add(chain(EVENTS));
            pipelines.add(pipeline(EVENTS, false));
            timed.add(pipeline(EVENTS, true));
        }
        long heapAfterRun = heapAfterGc();
        List<Long> heap = new ArrayList<>();
        for (int events : HEAP_SERIES) {
            PipelineRun run = pipeline(events, false);
            assertThat(run.audited()).as("audit records acknowledged").isEqualTo(events);
            heap.add(heapAfterGc());
        }

        print(producers, withHeaders, exporters, audits, chains, pipelines, timed, heapAfterRun, heap);
        assertThat(pipelines)
                .allSatisfy(run -> assertThat(run.audited())
                        .as("audit records acknowledged")
                        .isEqualTo(EVENTS));
    }

    /**
     * Runs {@code count} events through both sinks the way {@code Provisioner} does; {@code timed}, notes
     * when each reaches the OTLP endpoint and the audit topic. Timing costs the CPU of a consumer of the
     * audit topic, which the raw sinks do not pay: throughput is measured without it.
     */
    private PipelineRun pipeline(int count, boolean timed) {
        ProvisioningRequest request = request(count);
        long[] entered = new long[count];
        Arrivals logged = new Arrivals(count);
        Arrivals audited = new Arrivals(count);
        OtlpReceiver receiver = OtlpReceiverResource.receiver();
        receiver.streamTo(timed ? export -> noteRecords(export, request.stack(), logged) : export -> {});
        Span span = tracer.spanBuilder("benchmark").startSpan();
        long cpu = processCpuNanos();
        AuditTrail trail = audit.open(request);
        String ids = request.requestId() + ":" + trail.attempt() + ":engine:";
        try (AuditReader reader = timed ? AuditReader.start(ids, audited) : null) {
            RunLogs logs = otel.open(request, Context.current().with(span));
            // As in Provisioner.run: one fan-out feeds the audit trail, the log records, and a counting sink
            // that stands for the run summary.
            LongAdder summed = new LongAdder();
            RunSinks.feed(stream.events(count, entered), List.of(trail.events(), logs, event -> summed.increment()))
                    .await()
                    .atMost(RUN_BOUND);
            RunLogs.Counts exported = logs.finish();
            long nanos = System.nanoTime() - entered[0];
            cpu = processCpuNanos() - cpu;
            if (timed) {
                await().atMost(RUN_BOUND).until(() -> audited.count() == count);
            }
            return new PipelineRun(
                    new Throughput(count, nanos, cpu),
                    trail.acknowledged(),
                    exported,
                    logged.since(entered),
                    audited.since(entered));
        } finally {
            span.end();
            receiver.streamTo(null);
        }
    }

    /** Writes the audit trail of {@code count} events through the audit sink alone, without the OTel sink. */
    private Throughput auditAlone(int count) {
        AuditTrail trail = audit.open(request(count));
        long cpu = processCpuNanos();
        long start = System.nanoTime();
        RunSinks.feed(stream.events(count), List.of(trail.events())).await().atMost(RUN_BOUND);
        long nanos = System.nanoTime() - start;
        cpu = processCpuNanos() - cpu;
        assertThat(trail.acknowledged()).as("audit records acknowledged").isEqualTo(count);
        return new Throughput(count, nanos, cpu);
    }

    /**
     * Sends the audit payloads of {@code count} events with a plain producer: all, then flush; {@code
     * cloudEvents}, with the headers the audit sink gives them too.
     */
    private Throughput rawProducer(int count, boolean cloudEvents) {
        ProvisioningRequest request = request(count);
        String context = payloadContext(request);
        var cloudEventHeaders =
                new CloudEventHeaders("/provisioner/" + request.project() + "/" + request.stack(), request.key());
        // The audit channel's own settings and way to the broker (acks=all, idempotent, its batching).
        Map<String, Object> props =
                new HashMap<>(kafka.getProducer(Channels.AUDIT).configuration());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-raw-producer");
        AtomicLong acknowledged = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (var producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            producer.partitionsFor(Topics.AUDIT); // metadata before the clock starts
            long cpu = processCpuNanos();
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                EngineEvent event = stream.event(i);
                String payload = context + ",\"event\":" + event.json() + "}";
                Headers headers = cloudEvents ? headers(cloudEventHeaders, request, event, i) : new RecordHeaders();
                var record = new ProducerRecord<>(Topics.AUDIT, null, request.key(), payload, headers);
                producer.send(record, (metadata, e) -> {
                    if (e == null) {
                        acknowledged.incrementAndGet();
                    } else {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
            long nanos = System.nanoTime() - start;
            cpu = processCpuNanos() - cpu;
            assertThat(failure.get()).as("raw producer failure").isNull();
            assertThat(acknowledged.get()).isEqualTo(count);
            return new Throughput(count, nanos, cpu);
        }
    }

    /**
     * Exports {@code count} pre-built records with an exporter set up as the sink's, in batches of the
     * sink's size, one after the other as the batch processor does.
     */
    private Throughput rawExporter(int count) {
        ProvisioningRequest request = request(count);
        int batchSize = otelConfig.maxExportBatchSize();
        List<EngineEvent> events =
                IntStream.range(0, batchSize).mapToObj(stream::event).toList();
        List<LogRecordData> batch = PrebuiltLogRecords.of(events, request.requestId(), ACTOR, resource(request));
        LogRecordExporter exporter = OtlpHttpLogRecordExporter.builder()
                .setEndpoint(otelConfig.endpoint().orElseThrow() + "/v1/logs")
                .setTimeout(otelConfig.exportTimeout())
                .setCompression(otelConfig.compression())
                .addHeader("Authorization", "Bearer " + TOKEN)
                .build();
        AtomicLong received = new AtomicLong();
        OtlpReceiver receiver = OtlpReceiverResource.receiver();
        receiver.streamTo(export -> received.addAndGet(records(export)));
        try {
            long cpu = processCpuNanos();
            long start = System.nanoTime();
            for (int sent = 0; sent < count; sent += batchSize) {
                CompletableResultCode result = exporter.export(batch.subList(0, Math.min(batchSize, count - sent)))
                        .join(otelConfig.exportTimeout().toMillis(), TimeUnit.MILLISECONDS);
                assertThat(result.isSuccess()).as("raw export").isTrue();
            }
            long nanos = System.nanoTime() - start;
            cpu = processCpuNanos() - cpu;
            assertThat(received.get()).isEqualTo(count);
            return new Throughput(count, nanos, cpu);
        } finally {
            receiver.streamTo(null);
            exporter.shutdown().join(10, TimeUnit.SECONDS);
        }
    }

    private ProvisioningRequest request(int count) {
        String stack = "run-" + ++runs + "-" + count;
        return new ProvisioningRequest(
                "bench-" + UUID.randomUUID(),
                Operation.UP,
                PROJECT,
                stack,
                "stash",
                Map.of(),
                Map.of(),
                ACTOR,
                new ProvisioningRequest.OtelTarget(APP_CODE, TOKEN, null, null, null),
                null,
                null);
    }

    /** The CloudEvents headers the audit sink gives the record of {@code event}. */
    private static Headers headers(
            CloudEventHeaders cloudEventHeaders, ProvisioningRequest request, EngineEvent event, long sequence) {
        String urn = EngineEvents.urnOf(event);
        return cloudEventHeaders.of(
                request.requestId() + ":" + RAW_ATTEMPT + ":engine:" + event.sequence(),
                AuditSink.TYPE_PREFIX + event.name(),
                urn.isEmpty() ? null : urn,
                Instant.now(),
                sequence);
    }

    /**
     * What the audit chain adds per record, on this thread's CPU: its link headers and the hash of its
     * canonical form, over the audit payloads and CloudEvents headers of {@code count} events (built before the
     * clock starts, a thousand used in turn); and one checkpoint signature, the cost once per request.
     */
    private ChainCost chain(int count) {
        ProvisioningRequest request = request(count);
        String context = payloadContext(request);
        var cloudEventHeaders =
                new CloudEventHeaders("/provisioner/" + request.project() + "/" + request.stack(), request.key());
        int distinct = Math.min(count, 1000);
        List<byte[]> payloads = new ArrayList<>();
        List<Headers> headers = new ArrayList<>();
        for (int i = 0; i < distinct; i++) {
            EngineEvent event = stream.event(i);
            payloads.add((context + ",\"event\":" + event.json() + "}").getBytes(StandardCharsets.UTF_8));
            headers.add(headers(cloudEventHeaders, request, event, i));
        }
        byte[] key = request.key().getBytes(StandardCharsets.UTF_8);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        String previous = AuditChain.GENESIS;
        long cpu = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < count; i++) {
            Headers record = new RecordHeaders(headers.get(i % distinct).toArray());
            record.add(AuditChain.SEQ, Long.toString(i).getBytes(StandardCharsets.UTF_8));
            record.add(AuditChain.PREV, previous.getBytes(StandardCharsets.UTF_8));
            previous = AuditChain.hash(record, key, payloads.get(i % distinct));
            record.add(AuditChain.HASH, previous.getBytes(StandardCharsets.UTF_8));
        }
        long hashNanos = threads.getCurrentThreadCpuTime() - cpu;
        int signatures = 200;
        cpu = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < signatures; i++) {
            signer.sign(previous);
        }
        long signNanos = threads.getCurrentThreadCpuTime() - cpu;
        return new ChainCost((double) hashNanos / count, (double) signNanos / signatures);
    }

    /** CPU nanoseconds the chain costs per record, and per checkpoint signature. */
    record ChainCost(double perRecord, double perSignature) {}

    /** The request context an audit payload starts with, without its closing brace, as AuditSink writes it. */
    private String payloadContext(ProvisioningRequest request) {
        String json = mapper.createObjectNode()
                .put("requestId", request.requestId())
                .put("requestedBy", request.requestedBy())
                .put("operation", request.operation().cliName())
                .put("project", request.project())
                .put("stack", request.stack())
                .put("program", request.program())
                .toString();
        return json.substring(0, json.length() - 1);
    }

    /** The Resource OtelLogSink puts the run's records under. */
    private Resource resource(ProvisioningRequest request) {
        return Resource.create(Attributes.builder()
                .put("service.name", serviceName)
                .put("service.version", "unknown")
                .put("appcode", APP_CODE)
                .put("project-name", request.project())
                .put("operation", request.operation().cliName())
                .put("stack", request.stack())
                .put("com.redhat.otel.auth_token", TOKEN)
                .build());
    }

    private static void noteRecords(OtlpReceiver.Export export, String stack, Arrivals arrivals) {
        long now = System.nanoTime();
        for (ResourceLogs resource : export.request().getResourceLogsList()) {
            boolean ours = resource.getResource().getAttributesList().stream()
                    .anyMatch(a -> a.getKey().equals("stack")
                            && a.getValue().getStringValue().equals(stack));
            if (!ours) {
                continue;
            }
            for (ScopeLogs scope : resource.getScopeLogsList()) {
                for (LogRecord record : scope.getLogRecordsList()) {
                    for (KeyValue attribute : record.getAttributesList()) {
                        if (attribute.getKey().equals("pulumi.sequence")) {
                            arrivals.arrived(attribute.getValue().getIntValue(), now);
                        }
                    }
                }
            }
        }
    }

    private static long records(OtlpReceiver.Export export) {
        return export.request().getResourceLogsList().stream()
                .flatMap(r -> r.getScopeLogsList().stream())
                .mapToLong(ScopeLogs::getLogRecordsCount)
                .sum();
    }

    /** CPU time of the whole test JVM (broker, endpoint, JIT and GC included). */
    private static long processCpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Heap in use after full collections: what the run left behind. */
    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private void print(
            List<Throughput> producers,
            List<Throughput> withHeaders,
            List<Throughput> exporters,
            List<Throughput> audits,
            List<ChainCost> chains,
            List<PipelineRun> pipelines,
            List<PipelineRun> timed,
            long heapAfterRun,
            List<Long> heap) {
        Throughput producer = median(producers);
        Throughput exporter = median(exporters);
        PipelineRun pipeline = pipelines.stream()
                .filter(run -> run.throughput()
                        == median(
                                pipelines.stream().map(PipelineRun::throughput).toList()))
                .findFirst()
                .orElseThrow();
        Throughput auditOnly = median(audits);
        // The timed round with the median p99 to the OTLP endpoint.
        PipelineRun latency = timed.stream()
                .sorted(Comparator.comparingLong(run -> run.otel().p99()))
                .toList()
                .get(timed.size() / 2);
        double slowerRaw = Math.min(producer.perSecond(), exporter.perSecond());
        // Both raw sinks' work done one after the other: what a pipeline that adds nothing reaches when, as
        // here, the sinks, the broker and the endpoint share the same cores.
        double backToBack = 1 / (1 / producer.perSecond() + 1 / exporter.perSecond());
        // The same with the records the audit topic gets: CloudEvents headers on each.
        double backToBackCe = 1 / (1 / median(withHeaders).perSecond() + 1 / exporter.perSecond());
        String slowerName = producer.perSecond() <= exporter.perSecond() ? "raw kafka" : "raw otlp";
        double share = pipeline.throughput().perSecond() / slowerRaw;
        long latencyBound = otelConfig.scheduleDelay().plus(LATENCY_SLACK).toNanos();
        long growth = heap.get(heap.size() - 1) - heap.get(0);
        int span = HEAP_SERIES[HEAP_SERIES.length - 1] - HEAP_SERIES[0];

        List<String> lines = new ArrayList<>();
        lines.add("---- pipeline benchmark: %s.ndjson scaled to %d events, %d warm-up rounds, median of %d rounds ----"
                .formatted(RECORDING, EVENTS, WARM_UP_ROUNDS, ROUNDS));
        lines.add(("config       audit.max-in-flight=%d otel.schedule-delay=%d ms otel.max-queue-size=%d"
                        + " otel.max-export-batch-size=%d otel.compression=%s; %d cpus")
                .formatted(
                        auditConfig.maxInFlight(),
                        otelConfig.scheduleDelay().toMillis(),
                        otelConfig.maxQueueSize(),
                        otelConfig.maxExportBatchSize(),
                        otelConfig.compression(),
                        Runtime.getRuntime().availableProcessors()));
        lines.add(
                "raw kafka    %s  rounds %s  (KafkaProducer with the audit channel's settings and route, same payloads, send all then flush)"
                        .formatted(producer, rounds(producers)));
        lines.add("raw kafka+ce %s  rounds %s  (the same, with the audit sink's CloudEvents headers)"
                .formatted(median(withHeaders), rounds(withHeaders)));
        lines.add("raw otlp     %s  rounds %s  (OtlpHttpLogRecordExporter, pre-built records, batches of %d in turn)"
                .formatted(exporter, rounds(exporters), otelConfig.maxExportBatchSize()));
        lines.add("raw both     %7.0f events/s  (1 / (1/raw kafka + 1/raw otlp): the raw work of both, back to back)"
                .formatted(backToBack));
        lines.add("raw both+ce  %7.0f events/s  (1 / (1/raw kafka+ce + 1/raw otlp): the same, with the headers)"
                .formatted(backToBackCe));
        lines.add("audit sink   %s  rounds %s  (AuditTrail.events alone, same events, no fan-out, no OTel)"
                .formatted(auditOnly, rounds(audits)));
        ChainCost chain = chains.stream()
                .sorted(Comparator.comparingDouble(ChainCost::perRecord))
                .toList()
                .get(chains.size() / 2);
        double chainShare = chain.perRecord() / (pipeline.throughput().cpuNanos() / (double) EVENTS);
        lines.add("chain        %.2f us/record to link and hash (rounds %s), %.1f us per checkpoint signature (Ed25519)"
                .formatted(
                        chain.perRecord() / 1000,
                        chains.stream()
                                .map(c -> "%.2f".formatted(c.perRecord() / 1000))
                                .collect(Collectors.joining("/")),
                        chain.perSignature() / 1000));
        lines.add("pipeline     %s  rounds %s  (one fan-out to audit + OTel + summary, until acked and exported)"
                .formatted(
                        pipeline.throughput(),
                        rounds(pipelines.stream().map(PipelineRun::throughput).toList())));
        lines.add("pipeline     audit acked %d, otel exported %d, otel dropped %d"
                .formatted(
                        pipeline.audited(),
                        pipeline.exported().exported(),
                        pipeline.exported().dropped()));
        lines.add("timed        %s  rounds %s  (the pipeline again, each event's arrival noted: an audit-topic reader)"
                .formatted(
                        latency.throughput(),
                        rounds(timed.stream().map(PipelineRun::throughput).toList())));
        lines.add("latency otel   %s".formatted(latency(latency.otel())));
        lines.add("latency audit  %s".formatted(latency(latency.audit())));
        lines.add("heap after run   %s (used after System.gc())".formatted(megabytes(heapAfterRun)));
        for (int i = 0; i < HEAP_SERIES.length; i++) {
            lines.add("heap after %6d events  %s".formatted(HEAP_SERIES[i], megabytes(heap.get(i))));
        }
        lines.add("target pipeline >= %.1f x slower raw sink (%s): %.2f x  %s  (%.2f x raw both, %.2f x raw both+ce)"
                .formatted(
                        PIPELINE_SHARE,
                        slowerName,
                        share,
                        verdict(share >= PIPELINE_SHARE),
                        pipeline.throughput().perSecond() / backToBack,
                        pipeline.throughput().perSecond() / backToBackCe));
        lines.add("target chain <= %.0f%% of the pipeline's CPU per event: %.1f%%  %s"
                .formatted(CHAIN_SHARE * 100, chainShare * 100, verdict(chainShare <= CHAIN_SHARE)));
        lines.add("target p99 otel  <= %d ms: %s  %s"
                .formatted(
                        TimeUnit.NANOSECONDS.toMillis(latencyBound),
                        millis(latency.otel().p99()),
                        verdict(latency.otel().arrived() == EVENTS
                                && latency.otel().p99() <= latencyBound)));
        lines.add("target p99 audit <= %d ms: %s  %s"
                .formatted(
                        TimeUnit.NANOSECONDS.toMillis(latencyBound),
                        millis(latency.audit().p99()),
                        verdict(latency.audit().arrived() == EVENTS
                                && latency.audit().p99() <= latencyBound)));
        lines.add("target no retained-heap growth: %+.1f MB from %d to %d events (%.1f B/event, slack %d MB)  %s"
                .formatted(
                        growth / 1048576.0,
                        HEAP_SERIES[0],
                        HEAP_SERIES[HEAP_SERIES.length - 1],
                        (double) growth / span,
                        HEAP_SLACK_BYTES >> 20,
                        verdict(growth <= HEAP_SLACK_BYTES)));
        lines.forEach(line -> System.out.println("BENCH " + line));
    }

    private static Throughput median(List<Throughput> runs) {
        List<Throughput> sorted = runs.stream()
                .sorted(Comparator.comparingDouble(Throughput::perSecond))
                .toList();
        return sorted.get(sorted.size() / 2);
    }

    private static String rounds(List<Throughput> runs) {
        return runs.stream().map(r -> "%.0f".formatted(r.perSecond())).collect(Collectors.joining("/"));
    }

    private static String latency(Arrivals.Latency latency) {
        return "p50 %s  p99 %s  max %s  (%d arrived)"
                .formatted(millis(latency.p50()), millis(latency.p99()), millis(latency.max()), latency.arrived());
    }

    private static String millis(long nanos) {
        return "%.1f ms".formatted(nanos / 1e6);
    }

    private static String megabytes(long bytes) {
        return "%.1f MB".formatted(bytes / 1048576.0);
    }

    private static String verdict(boolean pass) {
        return pass ? "PASS" : "FAIL";
    }

    /** {@code events} in {@code nanos} of wall time, using {@code cpuNanos} of the JVM's CPU time. */
    record Throughput(int events, long nanos, long cpuNanos) {
        double perSecond() {
            return events * 1e9 / nanos;
        }

        @Override
        public String toString() {
            return "%6d events in %6d ms = %7.0f events/s, cpu %5.1f us/event"
                    .formatted(events, TimeUnit.NANOSECONDS.toMillis(nanos), perSecond(), cpuNanos / 1e3 / events);
        }
    }

    record PipelineRun(
            Throughput throughput,
            long audited,
            RunLogs.Counts exported,
            Arrivals.Latency otel,
            Arrivals.Latency audit) {}
}
