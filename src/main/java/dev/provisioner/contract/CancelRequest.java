package dev.provisioner.contract;

import java.time.Instant;

/**
 * A request to cancel a provisioning request (topic {@code provisioning.cancellations}, JSON).
 *
 * @param requestId the provisioning request to cancel
 * @param requestedBy who cancels it
 * @param reason optional words for the audit trail
 * @param at when the cancellation was asked for; set by the service
 */
public record CancelRequest(String requestId, String requestedBy, String reason, Instant at) {

    /** How the completion and the audit trail describe it. */
    public String describe() {
        return "cancelled by " + requestedBy + (reason == null || reason.isBlank() ? "" : ": " + reason);
    }
}
