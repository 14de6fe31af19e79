package dev.provisioner.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * A real OTLP/HTTP logs endpoint on loopback: {@code POST /v1/logs} with a protobuf
 * {@code ExportLogsServiceRequest}, decoded and kept with its headers so tests can assert on what
 * arrived. It also takes {@code POST /v1/traces}, for a service that sends every signal to one endpoint;
 * those are handed on, not kept. A stalling one reads each export, then holds the answer back: an endpoint
 * in trouble.
 */
public final class OtlpReceiver implements AutoCloseable {

    static {
        // A collector answers without Nagle's algorithm; the JDK's server only does when this is set before
        // its first use. Without it each export waits out the client's delayed ACK (up to 40 ms), which made
        // this endpoint, not the exporter, the limit of every measurement of the log export.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    /** One export call as it arrived. */
    public record Export(Map<String, List<String>> headers, ExportLogsServiceRequest request) {
        public String header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0))
                    .findFirst()
                    .orElse(null);
        }
    }

    private final HttpServer server;
    private final List<Export> exports = new CopyOnWriteArrayList<>();
    private final Consumer<Export> onExport;
    /** When set, exports go here as they arrive and are not kept. */
    private volatile Consumer<Export> stream;

    private final Consumer<ExportTraceServiceRequest> onTraces;
    private final Duration answerAfter;
    private final CountDownLatch closed = new CountDownLatch(1);

    private OtlpReceiver(
            int port, Consumer<Export> onExport, Consumer<ExportTraceServiceRequest> onTraces, Duration answerAfter)
            throws IOException {
        this.onExport = onExport;
        this.onTraces = onTraces;
        this.answerAfter = answerAfter;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/v1/logs", this::handle);
        server.createContext("/v1/traces", this::handleTraces);
        // A thread per connection: a stalling receiver holds each one.
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
    }

    /** Starts a receiver on a free port. */
    public static OtlpReceiver start() {
        return start(0, e -> {});
    }

    /** Starts a receiver on {@code port} (0: any free one) that also hands each export to {@code onExport}. */
    public static OtlpReceiver start(int port, Consumer<Export> onExport) {
        return start(port, onExport, traces -> {});
    }

    /** As {@link #start(int, Consumer)}, also handing each trace export to {@code onTraces}. */
    public static OtlpReceiver start(
            int port, Consumer<Export> onExport, Consumer<ExportTraceServiceRequest> onTraces) {
        try {
            return new OtlpReceiver(port, onExport, onTraces, Duration.ZERO);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts a receiver that accepts and reads every export but answers only {@code answerAfter} later, or
     * when it is closed.
     */
    public static OtlpReceiver stalling(Duration answerAfter) {
        try {
            return new OtlpReceiver(0, e -> {}, traces -> {}, answerAfter);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The base URL of a loopback port nothing listens on: connections to it are refused. */
    public static String unreachableBaseUrl() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The base URL, e.g. {@code http://127.0.0.1:4318}; logs go to {@code <base>/v1/logs}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<Export> exports() {
        return List.copyOf(exports);
    }

    /** Every ResourceLogs received so far, across exports. */
    public List<ResourceLogs> resourceLogs() {
        return exports.stream()
                .flatMap(e -> e.request().getResourceLogsList().stream())
                .toList();
    }

    /** The log records that carry {@code provisioner.request.id} = {@code requestId}. */
    public List<LogRecord> recordsOf(String requestId) {
        return resourceLogs().stream()
                .flatMap(r -> r.getScopeLogsList().stream())
                .flatMap(s -> s.getLogRecordsList().stream())
                .filter(r -> r.getAttributesList().stream()
                        .anyMatch(a -> a.getKey().equals("provisioner.request.id")
                                && a.getValue().getStringValue().equals(requestId)))
                .toList();
    }

    /**
     * Hands every export from now on to {@code listener} as it arrives instead of keeping it, so that a
     * measurement that sends many records counts them as they come rather than holding them all; {@code
     * null} keeps exports again.
     */
    public void streamTo(Consumer<Export> listener) {
        stream = listener;
    }

    public void clear() {
        exports.clear();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            ExportLogsServiceRequest request = ExportLogsServiceRequest.parseFrom(body(exchange));
            Export export = new Export(Map.copyOf(exchange.getRequestHeaders()), request);
            Consumer<Export> listener = stream;
            if (listener != null) {
                listener.accept(export);
            } else {
                exports.add(export);
                onExport.accept(export);
            }
            if (!answerAfter.isZero() && closedWhileStalling()) {
                return;
            }
            respond(exchange, ExportLogsServiceResponse.getDefaultInstance().toByteArray());
        }
    }

    private boolean closedWhileStalling() {
        try {
            return closed.await(answerAfter.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private void handleTraces(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            onTraces.accept(ExportTraceServiceRequest.parseFrom(body(exchange)));
            respond(exchange, ExportTraceServiceResponse.getDefaultInstance().toByteArray());
        }
    }

    private static InputStream body(HttpExchange exchange) throws IOException {
        InputStream body = exchange.getRequestBody();
        if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
            body = new GZIPInputStream(body);
        }
        return body;
    }

    private static void respond(HttpExchange exchange, byte[] response) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
        exchange.sendResponseHeaders(200, response.length);
        exchange.getResponseBody().write(response);
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }
}
