package dev.provisioner.api;

import com.pulumi.automation.AutomationException;
import dev.provisioner.run.SecretOutputs;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;

/**
 * A finished request's outputs with its secrets in the clear, for callers with {@value Roles#SECRETS}; every
 * read is audited first ({@link SecretOutputs}). Everything else shows secrets masked.
 */
@Path("/provisions/{id}/outputs")
@Produces(MediaType.APPLICATION_JSON)
public final class SecretOutputsResource {

    private final SecretOutputs secretOutputs;

    SecretOutputsResource(SecretOutputs secretOutputs) {
        this.secretOutputs = secretOutputs;
    }

    /**
     * The outputs, secrets in the clear, with the names of the secret ones, the stack update they are of and the
     * receipt of the read's audit record. Reads the state with the CLI, so it is served on a worker thread (a
     * blocking signature).
     */
    @GET
    @RolesAllowed(Roles.SECRETS)
    public SecretOutputs.Revealed outputs(@PathParam("id") String id, @Context SecurityContext caller)
            throws AutomationException {
        try {
            return secretOutputs.reveal(id, caller.getUserPrincipal().getName());
        } catch (SecretOutputs.RefusedException e) {
            throw switch (e.refusal()) {
                case UNKNOWN -> ProblemException.notFound(e.getMessage());
                case NOT_FINISHED ->
                    new ProblemException(
                            Response.Status.CONFLICT, Problem.NOT_FINISHED, "Request not finished", e.getMessage());
                case NO_OUTPUTS ->
                    new ProblemException(
                            Response.Status.CONFLICT, Problem.NO_OUTPUTS, "Request left no outputs", e.getMessage());
                case REPLACED ->
                    new ProblemException(
                            Response.Status.CONFLICT, Problem.OUTPUTS_REPLACED, "Outputs replaced", e.getMessage());
                case AUDIT_UNAVAILABLE ->
                    new ProblemException(
                            Response.Status.SERVICE_UNAVAILABLE,
                            Problem.AUDIT_UNAVAILABLE,
                            "Audit unavailable",
                            e.getMessage());
            };
        }
    }
}
