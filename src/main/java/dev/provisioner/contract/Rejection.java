package dev.provisioner.contract;

/**
 * A record the service will not run, with what could be read of it: the fields are {@code null} where
 * the payload had nothing valid to offer.
 *
 * @param key the record key as it came
 * @param payload the record value as it came (may hold the token and secrets: mask before keeping it)
 * @param reason why it is rejected; names no secret
 * @param topic where it was read, with {@code partition} and {@code offset}
 */
public record Rejection(
        String key,
        String payload,
        String reason,
        String requestId,
        String operation,
        String project,
        String stack,
        String topic,
        int partition,
        long offset) {

    /** A stable id for the audit trail: the request id, else where the record was read. */
    public String id() {
        return requestId != null ? requestId : topic + ":" + partition + ":" + offset;
    }
}
