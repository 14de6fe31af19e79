package dev.provisioner.run;

import java.util.Objects;

/**
 * A request as another replica's audit records name it: every record carries the request's context, so any of
 * them tells the journal which request and which attempt it is about.
 */
record RemoteRun(String requestId, String attempt, String requestedBy, String operation, String project, String stack) {

    RemoteRun {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(attempt, "attempt");
    }
}
