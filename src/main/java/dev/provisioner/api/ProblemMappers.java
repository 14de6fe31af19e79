package dev.provisioner.api;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every error of the REST API as a {@link Problem}: the service's own, authentication and authorization
 * failures (authentication is not proactive, so its failures reach these mappers), the HTTP layer's
 * (unknown path, method or media type) and the unexpected ones, whose details stay in the log.
 */
final class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    /** RFC 6750: a 401 names the scheme the client must use. */
    private static final String BEARER = "Bearer";

    @ServerExceptionMapper
    Response problem(ProblemException e, UriInfo uri) {
        return respond(e.problem(path(uri)));
    }

    @ServerExceptionMapper
    Response unauthorized(UnauthorizedException e, UriInfo uri) {
        return unauthenticated(uri, BEARER, "a bearer token is required");
    }

    @ServerExceptionMapper
    Response authenticationFailed(AuthenticationFailedException e, UriInfo uri) {
        return unauthenticated(uri, BEARER + " error=\"invalid_token\"", "the bearer token is not valid");
    }

    @ServerExceptionMapper
    Response forbidden(ForbiddenException e, UriInfo uri) {
        return respond(blank(Response.Status.FORBIDDEN, "the token does not carry the role this needs", uri));
    }

    @ServerExceptionMapper
    Response http(WebApplicationException e, UriInfo uri) {
        Response.StatusType status = e.getResponse().getStatusInfo();
        return respond(new Problem(Problem.BLANK, status.getReasonPhrase(), status.getStatusCode(), null, path(uri)));
    }

    @ServerExceptionMapper
    Response unexpected(Exception e, UriInfo uri) {
        LOG.errorf(e, "%s failed", path(uri));
        return respond(blank(Response.Status.INTERNAL_SERVER_ERROR, "the service failed; its log says why", uri));
    }

    private static Response unauthenticated(UriInfo uri, String challenge, String detail) {
        return Response.fromResponse(respond(blank(Response.Status.UNAUTHORIZED, detail, uri)))
                .header(HttpHeaders.WWW_AUTHENTICATE, challenge)
                .build();
    }

    private static Problem blank(Response.Status status, String detail, UriInfo uri) {
        return new Problem(Problem.BLANK, status.getReasonPhrase(), status.getStatusCode(), detail, path(uri));
    }

    private static Response respond(Problem problem) {
        return Response.status(problem.status())
                .type(Problem.MEDIA_TYPE)
                .entity(problem)
                .build();
    }

    private static String path(UriInfo uri) {
        return uri == null ? null : uri.getRequestUri().getRawPath();
    }
}
