package dev.provisioner.lease;

/** A lease could not be taken: the lease topic could not be read or written in time, or the wait was stopped. */
public final class LeaseUnavailableException extends RuntimeException {

    LeaseUnavailableException(String message) {
        super(message);
    }

    LeaseUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
