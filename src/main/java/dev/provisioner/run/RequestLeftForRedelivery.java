package dev.provisioner.run;

/**
 * The service stopped a run to shut down: no completion was published, and the request's record is not
 * committed, so it is delivered again (to this replica when it is back, or to another one). The stopped
 * update failed, so the stack's history does not count it as done: the request runs again there.
 */
public final class RequestLeftForRedelivery extends RuntimeException {

    /** @param which the request id, or where its record is */
    public RequestLeftForRedelivery(String which) {
        super("request " + which + " is left to be delivered again: the service is shutting down", null, false, false);
    }
}
