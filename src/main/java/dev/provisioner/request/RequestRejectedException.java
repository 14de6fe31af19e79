package dev.provisioner.request;

/** A request the service will not run; the message says why, and names no secret. */
public final class RequestRejectedException extends Exception {

    private final String requestId;

    RequestRejectedException(String reason, String requestId) {
        super(reason, null, false, false);
        this.requestId = requestId;
    }

    /** The request id, when the payload had a readable one. */
    public String requestId() {
        return requestId;
    }
}
