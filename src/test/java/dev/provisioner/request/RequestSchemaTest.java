package dev.provisioner.request;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.support.Requests;
import dev.provisioner.support.Schemas;
import org.junit.jupiter.api.Test;

/** The published request schema says what the parser accepts. */
class RequestSchemaTest {

    @Test
    void aFullRequestIsValid() {
        ObjectNode request =
                Requests.withOtel(Requests.request("up", "demo", "dev", StashDemoProgram.NAME), "APP", "t0k");
        request.with("config").put("count", "3");
        request.with("secretConfig").put("secret", "s3cret");
        request.with("otel").put("index", "idx-1").putObject("attributes").put("team", "platform");
        request.put("timeoutSeconds", 600);

        Schemas.assertValid(Schemas.REQUEST, request);
    }

    @Test
    void whatTheParserRefusesTheSchemaRefusesToo() {
        assertThat(Schemas.validate(Schemas.REQUEST, Requests.request("up", "../etc", "dev", "p")))
                .isNotEmpty();
        assertThat(Schemas.validate(Schemas.REQUEST, Requests.request("rollback", "a", "b", "p")))
                .isNotEmpty();
        assertThat(Schemas.validate(
                        Schemas.REQUEST, Requests.request("up", "a", "b", "p").put("extra", 1)))
                .isNotEmpty();
        ObjectNode reserved = Requests.withOtel(Requests.request("up", "a", "b", "p"), "APP", "t");
        reserved.with("otel").putObject("attributes").put("service.name", "x");
        assertThat(Schemas.validate(Schemas.REQUEST, reserved)).isNotEmpty();
        for (String actor : new String[] {"a\u001b[31mb", "a\u009b2J", "a\u202Eb", "a\nb"}) {
            assertThat(Schemas.validate(
                            Schemas.REQUEST,
                            Requests.request("up", "a", "b", "p").put("requestedBy", actor)))
                    .as("actor %s", actor)
                    .isNotEmpty();
        }
        ObjectNode noToken = Requests.request("up", "a", "b", "p");
        noToken.putObject("otel").put("appCode", "APP");
        assertThat(Schemas.validate(Schemas.REQUEST, noToken)).isNotEmpty();
    }
}
