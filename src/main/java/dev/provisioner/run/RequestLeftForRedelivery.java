package dev.provisioner.run;

/**
 * The service stopped a run to shut down: no completion was published, and the request's record is not
 * committed, so it is delivered again (to this replica when it is back, or to another one). The stopped
 * update failed, so the stack's history does not count it as done: the request runs again there.
 */
public final class RequestLeftForRedelivery extends RuntimeException {

    private RequestLeftForRedelivery(String which) {
        this(which, "the service is shutting down");
    }

    private RequestLeftForRedelivery(String which, String why) {
        super("request " + which + " is left to be delivered again: " + why, null, false, false);
    }

    /** A request whose run was stopped. */
    public static RequestLeftForRedelivery of(String requestId) {
        return new RequestLeftForRedelivery(requestId);
    }

    /**
     * A request whose run lost its stack's lease (another replica took the stack, or this one could not renew
     * in time): it writes and publishes nothing more; the stack's new holder runs the request.
     */
    public static RequestLeftForRedelivery leaseLost(String requestId) {
        return new RequestLeftForRedelivery(requestId, "the run lost its stack's lease");
    }

    /** A record not read, so not known by its request id yet. */
    public static RequestLeftForRedelivery at(String topic, int partition, long offset) {
        return new RequestLeftForRedelivery("at " + topic + "-" + partition + "@" + offset);
    }
}
