package dev.provisioner.run;

import static dev.provisioner.support.Requests.awaitCompletion;
import static dev.provisioner.support.Requests.request;
import static dev.provisioner.support.Requests.send;
import static dev.provisioner.support.YamlProgramsResource.CREDENTIALS_PROGRAM;
import static dev.provisioner.support.YamlProgramsResource.CREDENTIAL_CONFIG;
import static dev.provisioner.support.YamlProgramsResource.CREDENTIAL_CONFIG_VALUE;
import static dev.provisioner.support.YamlProgramsResource.CREDENTIAL_ENV;
import static dev.provisioner.support.YamlProgramsResource.CREDENTIAL_ENV_VALUE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.provisioner.support.PulumiCliResource;
import dev.provisioner.support.RealParts;
import dev.provisioner.support.Topics;
import dev.provisioner.support.YamlProgramsResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * A program's credentials (YamlProgramsResource: one variable, one secret config key, from the service's
 * configuration) reach that program's CLI and its program, and nothing else: no other program's run, no audit
 * record, completion or dead letter, not the service's log. The program proves what it got by keeping it, as
 * secrets, in its stack's state: the secret config it reads with {@code ${apiKey}}, its environment as the YAML
 * host (a child of the run's CLI) reads it from {@code /proc/self/environ}.
 */
@QuarkusTest
@RealParts
class ProgramCredentialsTest {

    private static final Path SERVICE_LOG = Path.of("target/provisioner-test.log");

    private static final String PROGRAM = """
            name: credentials
            runtime: yaml
            config:
              apiKey:
                type: string
                default: none
            resources:
              key:
                type: pulumi:index:Stash
                properties:
                  input: ${apiKey}
              environment:
                type: pulumi:index:Stash
                properties:
                  input:
                    fn::secret:
                      fn::readFile: /proc/self/environ
            outputs:
              key: ${key.output}
            """;

    @Test
    void credentialsReachTheirProgramsCliAndNothingElse() throws Exception {
        write(CREDENTIALS_PROGRAM);
        write("yaml-no-credentials");

        JsonNode given = awaitCompletion(send(request("up", "yaml-creds", "dev", CREDENTIALS_PROGRAM)));
        JsonNode other = awaitCompletion(send(request("up", "yaml-creds", "other", "yaml-no-credentials")));
        var overriding = request("up", "yaml-creds", "override", CREDENTIALS_PROGRAM);
        overriding.with("secretConfig").put(CREDENTIAL_CONFIG, "from-the-request");
        JsonNode refused = awaitCompletion(send(overriding));

        assertThat(given.get("status").asText()).isEqualTo("succeeded");
        assertThat(given.at("/outputs/key").asText())
                .as("secret config stays secret")
                .isEqualTo("[secret]");
        String state = state("yaml-creds", "dev");
        assertThat(state)
                .as("the program read the secret config and its CLI's environment")
                .contains(CREDENTIAL_CONFIG_VALUE, CREDENTIAL_ENV + "=" + CREDENTIAL_ENV_VALUE);
        assertThat(other.get("status").asText()).isEqualTo("succeeded");
        assertThat(state("yaml-creds", "other"))
                .as("another program's run has neither")
                .contains("PULUMI_HOME=")
                .doesNotContain(CREDENTIAL_ENV_VALUE, CREDENTIAL_CONFIG_VALUE);
        assertThat(refused.get("status").asText()).isEqualTo("rejected");
        assertThat(refused.at("/error/message").asText())
                .contains("[" + CREDENTIAL_CONFIG + "] are set by the service");

        for (String topic : List.of(Topics.AUDIT, Topics.COMPLETIONS, Topics.DLQ)) {
            for (ConsumerRecord<String, String> record : Topics.read(topic)) {
                assertThat(text(record))
                        .as("a record on %s", topic)
                        .doesNotContain(CREDENTIAL_ENV_VALUE, CREDENTIAL_CONFIG_VALUE);
            }
        }
        assertThat(Files.readString(SERVICE_LOG))
                .contains("yaml-creds/dev")
                .doesNotContain(CREDENTIAL_ENV_VALUE, CREDENTIAL_CONFIG_VALUE);
    }

    private static void write(String name) throws Exception {
        Path dir = Files.createDirectories(YamlProgramsResource.catalog().resolve(name));
        Files.writeString(dir.resolve("Pulumi.yaml"), PROGRAM);
    }

    /** The stack's state with its secrets in clear, as the CLI exports it from the service's backend. */
    private static String state(String project, String stack) throws Exception {
        Path workDir = Path.of(ConfigProvider.getConfig().getValue("provisioner.engine.work-dir", String.class));
        Path home = Files.createTempDirectory("credentials-export-");
        var export = new ProcessBuilder(
                        PulumiCliResource.binary(),
                        "stack",
                        "export",
                        "--show-secrets",
                        "--stack",
                        "organization/" + project + "/" + stack)
                .directory(home.toFile())
                .redirectErrorStream(true);
        export.environment()
                .putAll(Map.of(
                        "PULUMI_HOME",
                        home.toString(),
                        "PULUMI_BACKEND_URL",
                        workDir.resolve("state").toAbsolutePath().toUri().toString(),
                        "PULUMI_CONFIG_PASSPHRASE",
                        "test-only-passphrase",
                        "PULUMI_SKIP_UPDATE_CHECK",
                        "true"));
        Process process = export.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(out).isZero();
        return out;
    }

    private static String text(ConsumerRecord<String, String> record) {
        var all = new StringBuilder(String.valueOf(record.key())).append(record.value());
        for (Header header : record.headers()) {
            all.append(header.key()).append(new String(header.value(), StandardCharsets.UTF_8));
        }
        return all.toString();
    }
}
