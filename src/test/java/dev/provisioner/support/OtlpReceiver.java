package dev.provisioner.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * A real OTLP/HTTP logs endpoint on loopback: {@code POST /v1/logs} with a protobuf
 * {@code ExportLogsServiceRequest}, decoded and kept with its headers so tests can assert on what
 * arrived. It also takes {@code POST /v1/traces}, for a service that sends every signal to one endpoint;
 * those are handed on, not kept.
 */
public final class OtlpReceiver implements AutoCloseable {

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
    private final Consumer<ExportTraceServiceRequest> onTraces;

    private OtlpReceiver(int port, Consumer<Export> onExport, Consumer<ExportTraceServiceRequest> onTraces)
            throws IOException {
        this.onExport = onExport;
        this.onTraces = onTraces;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/v1/logs", this::handle);
        server.createContext("/v1/traces", this::handleTraces);
        server.setExecutor(Executors.newFixedThreadPool(2));
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
            return new OtlpReceiver(port, onExport, onTraces);
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
            exports.add(export);
            onExport.accept(export);
            respond(exchange, ExportLogsServiceResponse.getDefaultInstance().toByteArray());
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
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
