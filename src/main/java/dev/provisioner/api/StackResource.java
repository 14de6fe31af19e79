package dev.provisioner.api;

import com.pulumi.automation.AutomationException;
import dev.provisioner.contract.StackNames;
import dev.provisioner.engine.StackHistory;
import dev.provisioner.verify.TrailReader.TrailReadException;
import dev.provisioner.verify.VerificationReport;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** Stacks as the state backend keeps them, and their audit trails. */
@Path("/stacks")
@Produces(MediaType.APPLICATION_JSON)
public final class StackResource {

    private final StackHistory stackHistory;
    private final TrailVerification trails;

    StackResource(StackHistory stackHistory, TrailVerification trails) {
        this.stackHistory = stackHistory;
        this.trails = trails;
    }

    /**
     * The stack's latest updates, newest first, each with the request that made it. Runs the CLI, so it
     * is served on a worker thread (a blocking signature).
     */
    @GET
    @Path("/{project}/{stack}/history")
    @RolesAllowed(Roles.READ)
    public List<StackUpdate> history(@PathParam("project") String project, @PathParam("stack") String stack)
            throws AutomationException {
        requireValid(project, stack);
        return stackHistory
                .read(project, stack)
                .orElseThrow(() -> ProblemException.notFound("the backend has no stack " + project + "/" + stack))
                .stream()
                .map(StackUpdate::of)
                .toList();
    }

    /**
     * The verification of the stack's audit trail (README, "Verifying a key's trail"). Reads the stack's
     * partition of the audit topic, so it is served on a worker thread (a blocking signature).
     */
    @GET
    @Path("/{project}/{stack}/audit/verification")
    @RolesAllowed(Roles.READ)
    public VerificationReport verification(@PathParam("project") String project, @PathParam("stack") String stack) {
        requireValid(project, stack);
        try {
            return trails.verify(project + "/" + stack);
        } catch (TrailReadException e) {
            throw ProblemException.brokerUnavailable("the audit trail could not be read: " + e.getMessage());
        }
    }

    private static void requireValid(String project, String stack) {
        if (!StackNames.isValid(project) || !StackNames.isValid(stack)) {
            throw ProblemException.invalid("project and stack must be 1 to " + StackNames.MAX_LENGTH
                    + " characters of [A-Za-z0-9._-], not start with '.' or '-', and not contain '..'");
        }
    }
}
