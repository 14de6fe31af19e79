package dev.provisioner.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Duration;
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
 * @param program which code ran, or would have; absent when the request was rejected
 * @param redelivered whether this repeats the completion of a request that had already run
 * @param receipt the signed head of the stack's audit chain as the request's last audit record left it;
 *     absent when that record was not written
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
        ProgramInfo program,
        boolean redelivered,
        Receipt receipt) {

    /** The value that stands for a secret output. */
    public static final String SECRET_MASK = "[secret]";

    /** A request's completion, to be filled in: its fields are the request's, no resource changed, no event. */
    public static Builder of(ProvisioningRequest request) {
        return new Builder(request);
    }

    /** The completion of a request the service will not run: its fields are what could be read of it. */
    public static Completion rejected(Rejection rejection, Instant at) {
        return new Completion(
                rejection.requestId(),
                rejection.operation(),
                rejection.project(),
                rejection.stack(),
                Status.REJECTED,
                null,
                at,
                0,
                Map.of(),
                Map.of(),
                new ErrorInfo("rejected", rejection.reason()),
                EventCounts.NONE,
                null,
                null,
                false,
                null);
    }

    /** This completion, saying why the request did not succeed. */
    public Completion withError(ErrorInfo error) {
        return with(error, receipt);
    }

    /** This completion, with the receipt of its request's last audit record. */
    public Completion withReceipt(Receipt receipt) {
        return with(error, receipt);
    }

    private Completion with(ErrorInfo error, Receipt receipt) {
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
                program,
                redelivered,
                receipt);
    }

    /** Fills in the completion of a run; {@link #build()} checks that it says how and when the run ended. */
    public static final class Builder {
        private final ProvisioningRequest request;
        private Status status;
        private Instant startedAt;
        private Instant finishedAt;
        private Map<String, Integer> resourceChanges = Map.of();
        private Map<String, Object> outputs = Map.of();
        private ErrorInfo error;
        private EventCounts events = EventCounts.NONE;
        private String engineVersion;
        private ProgramInfo program;
        private boolean redelivered;

        private Builder(ProvisioningRequest request) {
            this.request = request;
        }

        /** How the run ended; {@code error} says why when it did not succeed, and is null when it did. */
        public Builder status(Status status, ErrorInfo error) {
            this.status = status;
            this.error = error;
            return this;
        }

        public Builder between(Instant startedAt, Instant finishedAt) {
            this.startedAt = startedAt;
            this.finishedAt = finishedAt;
            return this;
        }

        public Builder resourceChanges(Map<String, Integer> resourceChanges) {
            this.resourceChanges = resourceChanges;
            return this;
        }

        public Builder outputs(Map<String, Object> outputs) {
            this.outputs = outputs;
            return this;
        }

        public Builder events(EventCounts events) {
            this.events = events;
            return this;
        }

        public Builder engineVersion(String engineVersion) {
            this.engineVersion = engineVersion;
            return this;
        }

        public Builder program(ProgramInfo program) {
            this.program = program;
            return this;
        }

        /** The request had run before, and was not run again. */
        public Builder redelivered() {
            this.redelivered = true;
            return this;
        }

        /**
         * @throws IllegalStateException when the status or either instant is missing, or the status is
         *     {@code rejected} (see {@link Completion#rejected})
         */
        public Completion build() {
            if (status == null || status == Status.REJECTED) {
                throw new IllegalStateException("status must be succeeded, failed or cancelled, not " + status);
            }
            if (startedAt == null || finishedAt == null) {
                throw new IllegalStateException("startedAt and finishedAt are required");
            }
            return new Completion(
                    request.requestId(),
                    request.operation().cliName(),
                    request.project(),
                    request.stack(),
                    status,
                    startedAt,
                    finishedAt,
                    Duration.between(startedAt, finishedAt).toMillis(),
                    resourceChanges,
                    outputs,
                    error,
                    events,
                    engineVersion,
                    program,
                    redelivered,
                    null);
        }
    }

    /**
     * The signed head of a key's audit chain (README, "The audit chain").
     *
     * @param chainSequence the record's {@code ce_chainseq}
     * @param chainHash its {@code ce_chainhash}
     * @param signature its {@code ce_chainsig}: Ed25519 over {@code provisioner-audit-checkpoint/v1 <chainHash>}
     * @param keyId its {@code ce_chainkid}
     */
    public record Receipt(long chainSequence, String chainHash, String signature, String keyId) {}

    /**
     * Which code a request ran.
     *
     * @param name the program's name in the catalog
     * @param digest {@code sha256:} and 64 hex digits: of a directory program's files as they were copied for the
     *     run, or of the service's build for an inline (Java) program (README, "Program identity")
     * @param serviceVersion the service's version, for an inline program; absent for a directory program
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ProgramInfo(String name, String digest, String serviceVersion) {}

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
