package dev.provisioner.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * How a request ended: exactly one per request on {@code provisioning.completions} (JSON, key
 * {@code project/stack}, header {@code provisioner-request-id}). Schema:
 * {@code schemas/completion.schema.json}.
 *
 * @param operation as requested; absent when a rejected request had none readable
 * @param startedAt when the engine started; absent for rejected requests
 * @param resourceChanges steps by op from the engine's summary, e.g. {@code {"create": 3}}
 * @param outputs the stack's outputs after {@code up}, secret ones as {@code "[secret]"}
 * @param error why the request did not succeed; absent when it did
 * @param events what became of the run's engine events
 * @param engineVersion the Pulumi CLI that ran it
 * @param redelivered whether this repeats the completion of a request that had already run
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Completion(
        String requestId,
        String operation,
        String project,
        String stack,
        Status status,
        Instant startedAt,
        Instant finishedAt,
        long durationMs,
        Map<String, Integer> resourceChanges,
        Map<String, Object> outputs,
        ErrorInfo error,
        EventCounts events,
        String engineVersion,
        boolean redelivered) {

    /** The value that stands for a secret output. */
    public static final String SECRET_MASK = "[secret]";

    /** This completion, saying why the request did not succeed. */
    public Completion withError(ErrorInfo error) {
        return new Completion(
                requestId,
                operation,
                project,
                stack,
                status,
                startedAt,
                finishedAt,
                durationMs,
                resourceChanges,
                outputs,
                error,
                events,
                engineVersion,
                redelivered);
    }

    public enum Status {
        SUCCEEDED,
        FAILED,
        CANCELLED,
        REJECTED;

        @JsonValue
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * @param type {@code rejected} (bad request), {@code engine} (the operation failed),
     *     {@code cancelled}, {@code timeout}, {@code audit} (the run ended, but the broker did not take
     *     every record of its audit trail) or {@code internal}
     */
    public record ErrorInfo(String type, String message) {

        /** The longest message a completion carries, however much the engine reported. */
        public static final int MAX_MESSAGE_CHARS = 4000;

        /** Stands for what {@link #bounded} leaves out. */
        private static final String CUT = "\n…\n";

        public ErrorInfo {
            message = bounded(message);
        }

        /**
         * {@code text} cut to {@value #MAX_MESSAGE_CHARS} characters: its start and its end, which is where the
         * engine's first error and the CLI's last words are.
         */
        public static String bounded(String text) {
            if (text == null || text.length() <= MAX_MESSAGE_CHARS) {
                return text;
            }
            int half = (MAX_MESSAGE_CHARS - CUT.length()) / 2;
            return text.substring(0, half) + CUT + text.substring(text.length() - half);
        }
    }

    /**
     * @param total engine events the run emitted
     * @param otelEnabled whether the request named an OpenTelemetry tenant (app code and token)
     * @param otelExported log records the OTLP endpoint accepted
     * @param otelDropped log records given up on (queue full, endpoint down past its retries)
     * @param audited audit records the broker acknowledged, lifecycle records included
     */
    public record EventCounts(long total, boolean otelEnabled, long otelExported, long otelDropped, long audited) {
        public static final EventCounts NONE = new EventCounts(0, false, 0, 0, 0);
    }
}
