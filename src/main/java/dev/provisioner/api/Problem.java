package dev.provisioner.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What the REST API answers on any error: a problem details document (RFC 9457), served as
 * {@value #MEDIA_TYPE}.
 *
 * @param type what kind of problem: {@code about:blank} when the status says it all, else a
 *     {@code urn:provisioner:problem:*} name
 * @param title the kind of problem in words; the same for every occurrence of a type
 * @param status the HTTP status
 * @param detail this occurrence in words
 * @param instance the path the problem occurred at
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance) {

    public static final String MEDIA_TYPE = "application/problem+json";

    /** The type of problems the HTTP status describes fully. */
    public static final String BLANK = "about:blank";

    /** A request that the service will not run: {@code detail} says everything wrong with it. */
    public static final String INVALID_REQUEST = "urn:provisioner:problem:invalid-request";

    /** Another request already has this request id. */
    public static final String REQUEST_ID_CONFLICT = "urn:provisioner:problem:request-id-conflict";

    /** A request submitted in another name than the caller's. */
    public static final String NOT_THE_REQUESTER = "urn:provisioner:problem:not-the-requester";

    /** The request has finished: there is nothing left to cancel. */
    public static final String ALREADY_FINISHED = "urn:provisioner:problem:already-finished";

    /** The request has not finished: it has no outputs yet. */
    public static final String NOT_FINISHED = "urn:provisioner:problem:not-finished";

    /** The request left no outputs: it was not an {@code up} that succeeded. */
    public static final String NO_OUTPUTS = "urn:provisioner:problem:no-outputs";

    /** The stack's latest update is no longer the request's: its outputs are another update's now. */
    public static final String OUTPUTS_REPLACED = "urn:provisioner:problem:outputs-replaced";

    /** The audit trail did not take the record of a read: nothing is revealed without it. */
    public static final String AUDIT_UNAVAILABLE = "urn:provisioner:problem:audit-unavailable";

    /** The broker did not take the message, or did not answer in time; the client may try again. */
    public static final String BROKER_UNAVAILABLE = "urn:provisioner:problem:broker-unavailable";
}
