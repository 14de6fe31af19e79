package dev.provisioner.api;

import dev.provisioner.contract.Completion;
import dev.provisioner.contract.ProvisioningRequest;
import dev.provisioner.event.EngineEvent;
import dev.provisioner.request.RequestParser;
import dev.provisioner.request.RequestRejectedException;
import dev.provisioner.run.RunJournal;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.net.URI;

/**
 * Provisioning requests over HTTP: submit (the same contract as the requests topic), follow, cancel.
 * Submissions and cancellations go through the topics, so whichever replica runs a request, it runs as
 * one a Kafka producer sent. What a request is doing comes from this replica's run journal.
 */
@Path("/provisions")
@Produces(MediaType.APPLICATION_JSON)
public final class ProvisionResource {

    /** The SSE event that ends a request's event stream; its data is the completion. */
    public static final String COMPLETION_EVENT = "completion";

    private final RequestParser parser;
    private final RunJournal journal;
    private final SubmissionProducer producer;

    ProvisionResource(RequestParser parser, RunJournal journal, SubmissionProducer producer) {
        this.parser = parser;
        this.journal = journal;
        this.producer = producer;
    }

    /**
     * Accepts a request to run: {@code 202} with its {@code Location}, also when the same request was
     * submitted before (idempotent); {@code 403} when its {@code requestedBy} is not the caller, since the
     * audit trail names whoever it says as the one who asked; {@code 409} when its id belongs to another
     * request.
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.SUBMIT)
    public Uni<Response> submit(String payload, @Context SecurityContext caller) {
        ProvisioningRequest request;
        try {
            request = parser.parse(payload);
        } catch (RequestRejectedException e) {
            throw ProblemException.invalid(e.getMessage());
        }
        String name = caller.getUserPrincipal().getName();
        if (!name.equals(request.requestedBy())) {
            throw new ProblemException(
                    Response.Status.FORBIDDEN,
                    Problem.NOT_THE_REQUESTER,
                    "Not the caller's request",
                    "requestedBy is " + request.requestedBy() + ", the caller is " + name
                            + "; a request submitted here is in the caller's name");
        }
        String id = request.requestId();
        return switch (journal.submitted(request)) {
            case DIFFERENT ->
                throw new ProblemException(
                        Response.Status.CONFLICT,
                        Problem.REQUEST_ID_CONFLICT,
                        "Request id in use",
                        "another request has the id " + id + "; a request id names one request only");
            case SAME -> Uni.createFrom().item(() -> accepted(id));
            case NEW ->
                producer.request(request, payload)
                        .onFailure()
                        .invoke(() -> journal.withdrawn(id))
                        .onFailure()
                        .transform(ProvisionResource::brokerUnavailable)
                        .replaceWith(() -> accepted(id));
        };
    }

    /** What the request is doing, or how it ended. */
    @GET
    @Path("/{id}")
    @RolesAllowed(Roles.READ)
    public ProvisionStatus status(@PathParam("id") String id) {
        return ProvisionStatus.of(journal.find(id).orElseThrow(() -> unknown(id)));
    }

    /**
     * The request's engine events as Server-Sent Events, those so far first, then live: each named by its
     * kind ({@code resource.pre}, …) with the engine's sequence as its id, so {@code Last-Event-ID}
     * resumes after it. The stream ends with a {@value #COMPLETION_EVENT} event once the request has
     * finished.
     */
    @GET
    @Path("/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RolesAllowed(Roles.READ)
    public Multi<OutboundSseEvent> events(
            @PathParam("id") String id, @HeaderParam("Last-Event-ID") String lastEventId, @Context Sse sse) {
        Multi<EngineEvent> events = journal.follow(id, after(lastEventId)).orElseThrow(() -> unknown(id));
        Multi<OutboundSseEvent> end = Multi.createFrom()
                .deferred(() -> journal.find(id)
                        .map(RunJournal.Entry::completion)
                        .map(completion -> Multi.createFrom().item(completionEvent(sse, completion)))
                        .orElseGet(() -> Multi.createFrom().empty()));
        return Multi.createBy().concatenating().streams(events.map(event -> engineEvent(sse, event)), end);
    }

    /**
     * Asks every replica to cancel the request, in the caller's name: {@code 202}. The completion says
     * how it ended.
     */
    @DELETE
    @Path("/{id}")
    @RolesAllowed(Roles.SUBMIT)
    public Uni<Response> cancel(
            @PathParam("id") String id, @QueryParam("reason") String reason, @Context SecurityContext caller) {
        RunJournal.Entry entry = journal.find(id).orElseThrow(() -> unknown(id));
        if (entry.finished()) {
            throw new ProblemException(
                    Response.Status.CONFLICT,
                    Problem.ALREADY_FINISHED,
                    "Request already finished",
                    "request " + id + " has " + entry.status() + "; there is nothing to cancel");
        }
        String key = entry.project() + "/" + entry.stack();
        return producer.cancellation(key, id, caller.getUserPrincipal().getName(), reason)
                .onFailure()
                .transform(ProvisionResource::brokerUnavailable)
                .replaceWith(() -> Response.accepted(
                                ProvisionStatus.of(journal.find(id).orElseThrow()))
                        .build());
    }

    private Response accepted(String id) {
        return Response.accepted(ProvisionStatus.of(journal.find(id).orElseThrow()))
                .location(URI.create("/provisions/" + id))
                .build();
    }

    private static OutboundSseEvent engineEvent(Sse sse, EngineEvent event) {
        return sse.newEventBuilder()
                .id(Long.toString(event.sequence()))
                .name(event.name())
                .mediaType(MediaType.APPLICATION_JSON_TYPE)
                .data(event.json())
                .build();
    }

    private static OutboundSseEvent completionEvent(Sse sse, Completion completion) {
        return sse.newEventBuilder()
                .name(COMPLETION_EVENT)
                .mediaType(MediaType.APPLICATION_JSON_TYPE)
                .data(completion)
                .build();
    }

    private static long after(String lastEventId) {
        if (lastEventId == null || lastEventId.isBlank()) {
            return Long.MIN_VALUE;
        }
        try {
            return Long.parseLong(lastEventId.strip());
        } catch (NumberFormatException e) {
            throw ProblemException.invalid("Last-Event-ID must be an event id of this stream (a number)");
        }
    }

    private static ProblemException unknown(String id) {
        return ProblemException.notFound("no request " + id + " is known here");
    }

    private static ProblemException brokerUnavailable(Throwable failure) {
        return ProblemException.brokerUnavailable("the broker did not take the message; try again");
    }
}
