package dev.provisioner.engine;

/** Why a run is being stopped before it ends on its own. */
public enum Cancellation {
    /** Someone asked for it. */
    REQUESTED,
    /** The run outlived its timeout. */
    TIMEOUT,
    /** The service is shutting down; the request is left to be delivered again. */
    SHUTDOWN
}
