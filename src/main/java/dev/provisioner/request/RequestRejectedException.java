package dev.provisioner.request;

/** A request the service will not run; the message says why, and names no secret. */
public final class RequestRejectedException extends Exception {

    private final Readable readable;

    RequestRejectedException(String reason, Readable readable) {
        super(reason, null, false, false);
        this.readable = readable;
    }

    /** What the payload had that is valid, to tell its producer which request was rejected. */
    public Readable readable() {
        return readable;
    }

    /** The fields of a rejected payload that are valid on their own; {@code null} where not. */
    public record Readable(String requestId, String operation, String project, String stack) {
        static final Readable NONE = new Readable(null, null, null, null);
    }
}
