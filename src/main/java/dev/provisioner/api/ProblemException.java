package dev.provisioner.api;

import jakarta.ws.rs.core.Response;

/** Ends a REST call with a {@link Problem}; {@link ProblemMappers} writes it. */
final class ProblemException extends RuntimeException {

    private final Response.Status status;
    private final String type;
    private final String title;

    ProblemException(Response.Status status, String type, String title, String detail) {
        super(detail, null, false, false);
        this.status = status;
        this.type = type;
        this.title = title;
    }

    static ProblemException notFound(String detail) {
        return new ProblemException(
                Response.Status.NOT_FOUND, Problem.BLANK, Response.Status.NOT_FOUND.getReasonPhrase(), detail);
    }

    static ProblemException invalid(String detail) {
        return new ProblemException(Response.Status.BAD_REQUEST, Problem.INVALID_REQUEST, "Invalid request", detail);
    }

    static ProblemException brokerUnavailable(String detail) {
        return new ProblemException(
                Response.Status.SERVICE_UNAVAILABLE, Problem.BROKER_UNAVAILABLE, "Broker unavailable", detail);
    }

    Problem problem(String instance) {
        return new Problem(type, title, status.getStatusCode(), getMessage(), instance);
    }
}
