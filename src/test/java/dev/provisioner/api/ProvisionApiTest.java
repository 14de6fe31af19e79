package dev.provisioner.api;

import static dev.provisioner.support.Requests.awaitAudit;
import static dev.provisioner.support.Requests.awaitCompletion;
import static dev.provisioner.support.Requests.request;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioner.demo.SlowDemoProgram;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.support.RealParts;
import dev.provisioner.support.Requests;
import dev.provisioner.support.Tokens;
import dev.provisioner.support.Topics;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The REST API over the real broker and CLI, called as a client would, with real bearer tokens. */
@QuarkusTest
@RealParts
class ProvisionApiTest {

    @Test
    void aSubmittedRequestRunsAndItsStatusSaysHowItEnded() {
        ObjectNode up = request("up", "api", "submitted", StashDemoProgram.NAME);
        up.putObject("secretConfig").put("secret", "api-s3cret-value");
        String id = up.get("requestId").asText();

        submit(up)
                .statusCode(202)
                .header("Location", endsWith("/provisions/" + id))
                .body("requestId", equalTo(id))
                .body("operation", equalTo("up"));
        JsonNode done = awaitCompletion(id);

        assertThat(done.get("status").asText()).isEqualTo("succeeded");
        JsonNode status = awaitStatus(id, "succeeded");
        assertThat(status.get("project").asText()).isEqualTo("api");
        assertThat(status.get("requestedBy").asText()).isEqualTo("alice@example.com");
        assertThat(status.get("resourceChanges")).isEqualTo(done.get("resourceChanges"));
        assertThat(status.get("outputs")).isEqualTo(done.get("outputs"));
        assertThat(status.at("/outputs/secret").asText()).isEqualTo("[secret]");
        assertThat(status.get("startedAt").asText())
                .isEqualTo(done.get("startedAt").asText());
        assertThat(status.get("finishedAt").asText())
                .isEqualTo(done.get("finishedAt").asText());
        assertThat(status.get("durationMs").asLong())
                .isEqualTo(done.get("durationMs").asLong());
        assertThat(status.get("events").asLong())
                .isEqualTo(done.at("/events/total").asLong());
        assertThat(status.toString()).doesNotContain("api-s3cret-value");

        // The same request again: accepted, not published again.
        submit(up).statusCode(202).header("Location", endsWith("/provisions/" + id));
        assertThat(Topics.read(Topics.REQUESTS))
                .filteredOn(r -> r.value().contains(id))
                .hasSize(1)
                .allSatisfy(r -> assertThat(r.key()).isEqualTo("api/submitted"));
    }

    @Test
    void aRequestInAnotherNameThanTheCallersIsRefusedAndNotPublished() {
        ObjectNode up = request("up", "api", "impostor", StashDemoProgram.NAME);
        up.put("requestedBy", "mallory@example.com");
        String id = up.get("requestId").asText();

        assertProblem(submit(up), 403, Problem.NOT_THE_REQUESTER)
                .body("detail", org.hamcrest.Matchers.containsString("mallory@example.com"))
                .body("detail", org.hamcrest.Matchers.containsString(Tokens.SUBMITTER));
        assertProblem(
                given().auth().oauth2(Tokens.reader()).get("/provisions/" + id).then(), 404, Problem.BLANK);
        assertThat(Topics.read(Topics.REQUESTS)).noneMatch(r -> r.value().contains(id));
    }

    @Test
    void anIdThatNamesAnotherRequestIsAConflict() {
        ObjectNode first = request("preview", "api", "conflict", StashDemoProgram.NAME);
        String id = first.get("requestId").asText();
        submit(first).statusCode(202);
        ObjectNode other = first.deepCopy();
        other.with("config").put("count", "7");

        assertProblem(submit(other), 409, Problem.REQUEST_ID_CONFLICT)
                .body("title", equalTo("Request id in use"))
                .body("instance", equalTo("/provisions"));
        awaitCompletion(id);
    }

    @Test
    void anInvalidRequestIsRefusedWithItsReasons() {
        ObjectNode bad = request("up", "api", "-not-a-stack", StashDemoProgram.NAME);
        bad.remove("program");

        assertProblem(submit(bad), 400, Problem.INVALID_REQUEST)
                .body("detail", org.hamcrest.Matchers.containsString("program is required"))
                .body("detail", org.hamcrest.Matchers.containsString("stack must be"));
        assertProblem(
                        given().auth()
                                .oauth2(Tokens.submitter())
                                .contentType(ContentType.JSON)
                                .body("{\"requestId\": ")
                                .post("/provisions")
                                .then(),
                        400,
                        Problem.INVALID_REQUEST)
                .body("detail", startsWith("the request is not valid JSON"));
    }

    @Test
    void withoutAValidTokenTheCallerIsUnauthenticated() {
        String body = request("up", "api", "anonymous", StashDemoProgram.NAME).toString();

        assertProblem(
                        given().contentType(ContentType.JSON)
                                .body(body)
                                .post("/provisions")
                                .then(),
                        401,
                        Problem.BLANK)
                .header("WWW-Authenticate", startsWith("Bearer"));
        assertProblem(
                        given().auth()
                                .oauth2("not-a-token")
                                .get("/provisions/any")
                                .then(),
                        401,
                        Problem.BLANK)
                .header("WWW-Authenticate", startsWith("Bearer"));
        String otherIssuer = io.smallrye.jwt.build.Jwt.issuer("https://someone.else")
                .upn("mallory@example.com")
                .groups("provisioner-read")
                .sign();
        assertProblem(given().auth().oauth2(otherIssuer).get("/provisions/any").then(), 401, Problem.BLANK);
    }

    @Test
    void theWrongRoleIsForbidden() {
        String body = request("up", "api", "forbidden", StashDemoProgram.NAME).toString();

        assertProblem(
                given().auth()
                        .oauth2(Tokens.reader())
                        .contentType(ContentType.JSON)
                        .body(body)
                        .post("/provisions")
                        .then(),
                403,
                Problem.BLANK);
        assertProblem(
                given().auth().oauth2(Tokens.submitter()).get("/provisions/any").then(), 403, Problem.BLANK);
        assertProblem(
                given().auth().oauth2(Tokens.reader()).delete("/provisions/any").then(), 403, Problem.BLANK);
    }

    @Test
    void everyOtherErrorIsAProblemToo() {
        assertProblem(
                        given().auth()
                                .oauth2(Tokens.reader())
                                .get("/provisions/unknown-id")
                                .then(),
                        404,
                        Problem.BLANK)
                .body("instance", equalTo("/provisions/unknown-id"));
        assertProblem(
                given().auth()
                        .oauth2(Tokens.reader())
                        .get("/provisions/unknown-id/events")
                        .then(),
                404,
                Problem.BLANK);
        assertProblem(
                given().auth()
                        .oauth2(Tokens.submitter())
                        .delete("/provisions/unknown-id")
                        .then(),
                404,
                Problem.BLANK);
        assertProblem(
                given().auth()
                        .oauth2(Tokens.submitter())
                        .contentType(ContentType.TEXT)
                        .body("up")
                        .post("/provisions")
                        .then(),
                415,
                Problem.BLANK);
        assertProblem(
                given().auth()
                        .oauth2(Tokens.submitter())
                        .put("/provisions/unknown-id")
                        .then(),
                405,
                Problem.BLANK);
    }

    @Test
    void deleteCancelsARunningRequestInTheCallersName() {
        ObjectNode slow = request("up", "api", "cancelled", SlowDemoProgram.NAME);
        slow.with("config").put("count", "30").put("delayMs", "300");
        String id = slow.get("requestId").asText();
        submit(slow).statusCode(202);
        awaitAudit(id, "dev.provisioner.resource.outputs");

        given().auth()
                .oauth2(Tokens.submitter())
                .queryParam("reason", "no longer needed")
                .delete("/provisions/" + id)
                .then()
                .statusCode(202)
                .body("requestId", equalTo(id));
        JsonNode done = awaitCompletion(id);

        assertThat(done.get("status").asText()).isEqualTo("cancelled");
        assertThat(done.at("/error/type").asText()).isEqualTo("cancelled");
        List<ConsumerRecord<String, String>> cancelRequested = Requests.auditTrail(id).stream()
                .filter(r -> "dev.provisioner.run.cancel-requested".equals(Topics.header(r, "ce_type")))
                .toList();
        assertThat(cancelRequested).singleElement().satisfies(r -> {
            JsonNode details = Requests.parse(r.value()).get("details");
            assertThat(details.get("requestedBy").asText()).isEqualTo(Tokens.SUBMITTER);
            assertThat(details.get("reason").asText()).isEqualTo("no longer needed");
        });
        awaitStatus(id, "cancelled");
        assertProblem(
                given().auth()
                        .oauth2(Tokens.submitter())
                        .delete("/provisions/" + id)
                        .then(),
                409,
                Problem.ALREADY_FINISHED);
    }

    @Test
    void theStackHistoryNamesTheRequestsThatUpdatedIt() {
        ObjectNode up = request("up", "api", "history", StashDemoProgram.NAME);
        String id = up.get("requestId").asText();
        submit(up).statusCode(202);
        awaitCompletion(id);

        List<Map<String, Object>> history = given().auth()
                .oauth2(Tokens.reader())
                .get("/stacks/api/history/history")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("$");

        assertThat(history).first().satisfies(latest -> {
            assertThat(latest).containsEntry("requestId", id);
            assertThat(latest).containsEntry("requestedBy", "alice@example.com");
            assertThat(latest).containsEntry("kind", "update");
            assertThat(latest).containsEntry("result", "succeeded");
        });
        assertProblem(
                given().auth()
                        .oauth2(Tokens.reader())
                        .get("/stacks/api/never-created/history")
                        .then(),
                404,
                Problem.BLANK);
        assertProblem(
                given().auth()
                        .oauth2(Tokens.reader())
                        .get("/stacks/api/-bad/history")
                        .then(),
                400,
                Problem.INVALID_REQUEST);
    }

    @Test
    void theOpenApiDocumentDescribesTheEndpoints() {
        given().queryParam("format", "json")
                .get("/q/openapi")
                .then()
                .statusCode(200)
                .body(
                        "paths.keySet()",
                        org.hamcrest.Matchers.hasItems(
                                "/provisions",
                                "/provisions/{id}",
                                "/provisions/{id}/events",
                                "/provisions/{id}/outputs",
                                "/stacks/{project}/{stack}/history",
                                "/stacks/{project}/{stack}/audit/verification"));
    }

    private static ValidatableResponse submit(ObjectNode request) {
        return submitter().body(request.toString()).post("/provisions").then();
    }

    private static RequestSpecification submitter() {
        return given().auth().oauth2(Tokens.submitter()).contentType(ContentType.JSON);
    }

    /** Waits until the request's status is {@code wanted}, and returns it. */
    static JsonNode awaitStatus(String id, String wanted) {
        JsonNode[] last = new JsonNode[1];
        Awaitility.await().atMost(Requests.RUN_TIMEOUT).until(() -> {
            last[0] = Requests.parse(given().auth()
                    .oauth2(Tokens.reader())
                    .get("/provisions/" + id)
                    .then()
                    .statusCode(200)
                    .extract()
                    .asString());
            return wanted.equals(last[0].get("status").asText());
        });
        return last[0];
    }

    private static ValidatableResponse assertProblem(ValidatableResponse response, int status, String type) {
        return response.statusCode(status)
                .contentType(Problem.MEDIA_TYPE)
                .body("type", equalTo(type))
                .body("status", equalTo(status))
                .body("title", org.hamcrest.Matchers.notNullValue());
    }
}
