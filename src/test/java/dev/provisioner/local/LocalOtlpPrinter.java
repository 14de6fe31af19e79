package dev.provisioner.local;

import dev.provisioner.support.OtlpReceiver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The OTLP/HTTP endpoint of a local run ({@code deploy/run-local.sh}): the tests' receiver on
 * {@code 127.0.0.1:4318}, printing the log records that arrive one line per record, under one line per
 * Resource. Tokens and secrets are masked, in Resource attributes and in the {@code Authorization}
 * header. The service's spans arrive here too; they get one line per export, counted by span name.
 *
 * <p>Usage: {@code LocalOtlpPrinter [port]}.
 */
public final class LocalOtlpPrinter {

    static final int PORT = 4318;

    /** What the script waits for in the printer's log before it starts the service. */
    static final String READY = "LocalOtlpPrinter ready";

    static final String MASK = "****";
    /** Longer bodies (the engine's debug diagnostics run to kilobytes) are cut; the audit topic has them whole. */
    static final int MAX_BODY = 200;

    private static final Pattern SENSITIVE = Pattern.compile("(?i).*(token|secret|password|passphrase).*");
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private LocalOtlpPrinter() {}

    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : PORT;
        var receiver = new AtomicReference<OtlpReceiver>();
        receiver.set(OtlpReceiver.start(
                port,
                export -> {
                    print(export, System.out);
                    // Printed is enough; what the receiver keeps for tests would only grow here.
                    OtlpReceiver started = receiver.get();
                    if (started != null) {
                        started.clear();
                    }
                },
                traces -> print(traces, System.out)));
        Runtime.getRuntime().addShutdownHook(new Thread(receiver.get()::close, "local-otlp-shutdown"));
        System.out.printf("%s on %s/v1/logs%n", READY, receiver.get().baseUrl());
        new CountDownLatch(1).await();
    }

    static synchronized void print(OtlpReceiver.Export export, PrintStream out) {
        String auth = export.header("Authorization");
        out.printf(
                "export: %d record(s), authorization: %s, content-encoding: %s%n",
                export.request().getResourceLogsList().stream()
                        .flatMap(r -> r.getScopeLogsList().stream())
                        .mapToInt(ScopeLogs::getLogRecordsCount)
                        .sum(),
                auth == null ? "none" : auth.replaceFirst("(?i)^(bearer\\s+).*", "$1" + MASK),
                export.header("Content-Encoding") == null ? "identity" : export.header("Content-Encoding"));
        for (ResourceLogs resourceLogs : export.request().getResourceLogsList()) {
            out.println("  resource: " + attributes(resourceLogs));
            for (ScopeLogs scope : resourceLogs.getScopeLogsList()) {
                for (LogRecord record : scope.getLogRecordsList()) {
                    out.println("    " + line(record));
                }
            }
        }
        out.flush();
    }

    static synchronized void print(ExportTraceServiceRequest traces, PrintStream out) {
        Map<String, Integer> byName = new TreeMap<>();
        traces.getResourceSpansList().stream()
                .flatMap(r -> r.getScopeSpansList().stream())
                .flatMap(s -> s.getSpansList().stream())
                .forEach(span -> byName.merge(span.getName(), 1, Integer::sum));
        out.printf(
                "traces: %d span(s): %s%n",
                byName.values().stream().mapToInt(Integer::intValue).sum(),
                byName.entrySet().stream()
                        .map(e -> e.getKey() + " x" + e.getValue())
                        .collect(Collectors.joining(", ")));
        out.flush();
    }

    static String attributes(ResourceLogs resourceLogs) {
        return resourceLogs.getResource().getAttributesList().stream()
                .sorted((a, b) -> a.getKey().compareTo(b.getKey()))
                .map(LocalOtlpPrinter::attribute)
                .collect(Collectors.joining(" "));
    }

    private static String attribute(KeyValue kv) {
        String value = SENSITIVE.matcher(kv.getKey()).matches() ? MASK : text(kv.getValue());
        return kv.getKey() + "=" + value;
    }

    /** {@code time severity event-name body}; the time is when the service observed the event (UTC). */
    static String line(LogRecord record) {
        long nanos =
                record.getObservedTimeUnixNano() != 0 ? record.getObservedTimeUnixNano() : record.getTimeUnixNano();
        return String.format(
                Locale.ROOT,
                "%s %-5s %-24s %s",
                TIME.format(Instant.ofEpochSecond(0, nanos)),
                severity(record),
                record.getEventName().isEmpty() ? "-" : record.getEventName(),
                shorten(text(record.getBody())));
    }

    private static String shorten(String body) {
        return body.length() <= MAX_BODY
                ? body
                : body.substring(0, MAX_BODY) + "... (" + (body.length() - MAX_BODY) + " more chars)";
    }

    /** The severity number's name (INFO, WARN, ERROR...), so that lines align whatever text the event had. */
    private static String severity(LogRecord record) {
        SeverityNumber number = record.getSeverityNumber();
        if (number == SeverityNumber.SEVERITY_NUMBER_UNSPECIFIED || number == SeverityNumber.UNRECOGNIZED) {
            return record.getSeverityText().isEmpty() ? "-" : record.getSeverityText();
        }
        return number.name().substring("SEVERITY_NUMBER_".length());
    }

    private static String text(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue().replace("\n", "\\n");
            case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
            case INT_VALUE -> Long.toString(value.getIntValue());
            case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
            case ARRAY_VALUE ->
                value.getArrayValue().getValuesList().stream()
                        .map(LocalOtlpPrinter::text)
                        .collect(Collectors.joining(",", "[", "]"));
            case KVLIST_VALUE ->
                value.getKvlistValue().getValuesList().stream()
                        .map(LocalOtlpPrinter::attribute)
                        .collect(Collectors.joining(" ", "{", "}"));
            case BYTES_VALUE -> "<" + value.getBytesValue().size() + " bytes>";
            case VALUE_NOT_SET -> "";
        };
    }
}
