package dev.provisioner.run;

import static dev.provisioner.support.Requests.auditTrail;
import static dev.provisioner.support.Requests.awaitCompletion;
import static dev.provisioner.support.Requests.request;
import static dev.provisioner.support.Requests.send;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioner.demo.StashDemoProgram;
import dev.provisioner.support.RealParts;
import dev.provisioner.support.Requests;
import dev.provisioner.support.Schemas;
import dev.provisioner.support.Topics;
import dev.provisioner.support.YamlProgramsResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Pulumi YAML programs from the catalog directory, through Kafka, on the real CLI and YAML host: their life
 * cycle with the engine's own diffs in the audit trail, their errors, programs added while the service runs,
 * and which code ran (the digest), pinned or not.
 */
@QuarkusTest
@RealParts
class DirectoryProgramsTest {

    private static final Path EXAMPLE = Path.of("deploy/programs/stash-yaml");

    @Test
    void aYamlProgramIsCreatedUpdatedReplacedAndDestroyed() throws Exception {
        String program = add("life-" + UUID.randomUUID().toString().substring(0, 8), EXAMPLE);
        String digest = digest(YamlProgramsResource.catalog().resolve(program));

        JsonNode created = run(up("yaml-life", program, "hello"));
        assertThat(created.get("status").asText()).isEqualTo("succeeded");
        assertThat(created.get("resourceChanges")).isEqualTo(Requests.JSON.valueToTree(Map.of("create", 3)));
        assertThat(created.get("outputs").toString())
                .isEqualTo("{\"note\":\"hello\",\"pinned\":\"hello-pinned\",\"whisper\":\"[secret]\"}");
        assertThat(created.get("program"))
                .as("a directory program's identity: the digest of its files")
                .isEqualTo(Requests.JSON.valueToTree(Map.of("name", program, "digest", digest)));
        assertThat(steps(created)).containsEntry("note", List.of("create")).containsEntry("pinned", List.of("create"));
        // The stack is the request's project's, not the one Pulumi.yaml names.
        assertThat(steps(created).keySet()).contains("yaml-life-dev");

        JsonNode changed = run(up("yaml-life", program, "bye"));
        assertThat(changed.get("status").asText()).isEqualTo("succeeded");
        assertThat(changed.at("/outputs/pinned").asText()).isEqualTo("bye-pinned");
        assertThat(steps(changed))
                .containsEntry("note", List.of("update"))
                .containsEntry("pinned", List.of("create-replacement", "replace", "delete-replaced"));
        assertThat(diffs(changed, "note")).containsExactly("input");
        assertThat(diffs(changed, "pinned")).containsExactly("input");

        var destroy = request("destroy", "yaml-life", "dev", program);
        JsonNode destroyed = run(destroy);
        assertThat(destroyed.get("status").asText()).isEqualTo("succeeded");
        assertThat(destroyed.at("/resourceChanges/delete").asInt()).isEqualTo(3);
        assertThat(steps(destroyed))
                .containsEntry("note", List.of("delete"))
                .containsEntry("pinned", List.of("delete"));
    }

    @Test
    void aYamlProgramsErrorIsInItsCompletion() throws Exception {
        String program = "broken-" + UUID.randomUUID().toString().substring(0, 8);
        Path dir = Files.createDirectories(YamlProgramsResource.catalog().resolve(program));
        Files.writeString(dir.resolve("Pulumi.yaml"), """
                name: broken
                runtime: yaml
                resources:
                  note:
                    type: pulumi:index:Stash
                    properties:
                      input: ${missing.output}
                """);

        JsonNode failed = run(request("up", "yaml-broken", "dev", program));

        assertThat(failed.get("status").asText()).isEqualTo("failed");
        assertThat(failed.at("/error/type").asText()).isEqualTo("engine");
        assertThat(failed.at("/error/message").asText())
                .as("the YAML host's diagnostic")
                .contains("missing");
    }

    @Test
    void aProgramAddedWhileTheServiceRunsIsThereWithoutARestart() throws Exception {
        String program = "late-" + UUID.randomUUID().toString().substring(0, 8);
        JsonNode before = run(up("yaml-late", program, "early"));
        assertThat(before.get("status").asText()).isEqualTo("rejected");
        assertThat(before.at("/error/message").asText()).contains("'" + program + "' is not in the catalog");

        add(program, EXAMPLE);
        JsonNode after = run(up("yaml-late", program, "late"));

        assertThat(after.get("status").asText()).isEqualTo("succeeded");
        assertThat(after.at("/outputs/note").asText()).isEqualTo("late");
    }

    @Test
    void aConfigMapsSingleFileProgramIsTheDirectoryThatHoldsIt() throws Exception {
        // The kubelet's layout: <key> -> ..data/<key>, ..data -> ..<timestamp>/, both hidden.
        String program = "map-" + UUID.randomUUID().toString().substring(0, 8);
        Path catalog = YamlProgramsResource.catalog();
        Path version = Files.createDirectories(catalog.resolve("..2026_12_02_" + program));
        Files.copy(EXAMPLE.resolve("Pulumi.yaml"), version.resolve(program + ".yaml"));
        Files.createSymbolicLink(catalog.resolve("..data-" + program), version.getFileName());
        Files.createSymbolicLink(catalog.resolve(program + ".yaml"), Path.of("..data-" + program, program + ".yaml"));

        JsonNode done = run(up("yaml-map", program, "mapped"));

        assertThat(done.get("status").asText()).isEqualTo("succeeded");
        assertThat(done.at("/outputs/note").asText()).isEqualTo("mapped");
        assertThat(done.at("/program/digest").asText())
                .as("the digest of the example's directory, which holds the same file as Pulumi.yaml")
                .isEqualTo(digest(EXAMPLE));
    }

    @Test
    void aPinnedDigestRunsOnlyTheCodeItNames() throws Exception {
        String program = add("pinned-" + UUID.randomUUID().toString().substring(0, 8), EXAMPLE);
        String digest = digest(YamlProgramsResource.catalog().resolve(program));
        String other = "sha256:" + "0".repeat(64);

        var matching = up("yaml-pin", program, "pinned");
        matching.put("programDigest", digest);
        JsonNode ran = run(matching);
        var mismatched = up("yaml-pin", program, "other");
        mismatched.put("programDigest", other);
        String mismatchedId = send(mismatched);
        JsonNode rejected = awaitCompletion(mismatchedId);

        assertThat(ran.get("status").asText()).isEqualTo("succeeded");
        assertThat(ran.at("/program/digest").asText()).isEqualTo(digest);
        assertThat(rejected.get("status").asText()).isEqualTo("rejected");
        assertThat(rejected.at("/error/message").asText()).contains(digest, other);
        Schemas.assertValid(Schemas.COMPLETION, rejected);
        assertThat(Topics.read(Topics.DLQ))
                .filteredOn(r -> r.value().contains(mismatchedId))
                .singleElement()
                .satisfies(
                        r -> assertThat(Topics.header(r, "dead-letter-reason")).contains(digest, other));
        assertThat(auditTrail(mismatchedId))
                .singleElement()
                .satisfies(r -> assertThat(Topics.header(r, "ce_type")).isEqualTo("dev.provisioner.run.rejected"));
    }

    @Test
    void anInlineProgramIsIdentifiedByTheServicesBuild() {
        var stash = request("up", "inline-identity", "dev", StashDemoProgram.NAME);
        stash.with("config").put("count", "1");
        JsonNode done = run(stash);

        assertThat(done.at("/program/name").asText()).isEqualTo(StashDemoProgram.NAME);
        assertThat(done.at("/program/digest").asText()).matches("sha256:[0-9a-f]{64}");
        assertThat(done.at("/program/serviceVersion").asText()).isNotBlank();
        assertThat(auditTrail(done.get("requestId").asText()))
                .allSatisfy(r -> assertThat(
                                Requests.parse(r.value()).get("programDigest").asText())
                        .isEqualTo(done.at("/program/digest").asText()));
    }

    /** Copies a program into the catalog under {@code name}. */
    static String add(String name, Path from) throws IOException {
        Path to = YamlProgramsResource.catalog().resolve(name);
        Path staging = Files.createTempDirectory(YamlProgramsResource.catalog(), ".staging-");
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, staging.resolve(file.getFileName()));
            }
        }
        // Renamed into place: the service never sees half a program.
        Files.move(staging, to, StandardCopyOption.ATOMIC_MOVE);
        return name;
    }

    static ObjectNode up(String project, String program, String greeting) {
        var up = request("up", project, "dev", program);
        up.with("config").put("greeting", greeting);
        return up;
    }

    /** Sends the request and returns its completion, which must match the schema. */
    static JsonNode run(ObjectNode request) {
        JsonNode completion = awaitCompletion(send(request));
        Schemas.assertValid(Schemas.COMPLETION, completion);
        return completion;
    }

    /** The engine's steps for each resource (by name), in order, in the audit trail of the completion's request. */
    static Map<String, List<String>> steps(JsonNode completion) {
        Map<String, List<String>> steps = new TreeMap<>();
        for (JsonNode pre : preEvents(completion)) {
            String urn = pre.at("/metadata/urn").asText();
            steps.computeIfAbsent(urn.substring(urn.lastIndexOf("::") + 2), name -> new ArrayList<>())
                    .add(pre.at("/metadata/op").asText());
        }
        return steps;
    }

    /** The properties the engine said differ, over the resource's steps (a replacement's delete names none). */
    static List<String> diffs(JsonNode completion, String resource) {
        return preEvents(completion).stream()
                .filter(pre -> pre.at("/metadata/urn").asText().endsWith("::" + resource))
                .flatMap(pre -> pre.at("/metadata/diffs").valueStream())
                .map(JsonNode::asText)
                .distinct()
                .toList();
    }

    private static List<JsonNode> preEvents(JsonNode completion) {
        String requestId = completion.get("requestId").asText();
        String digest = completion.at("/program/digest").asText();
        return auditTrail(requestId).stream()
                .map(ConsumerRecord::value)
                .map(Requests::parse)
                .peek(record -> {
                    Schemas.assertValid(Schemas.AUDIT_RECORD, record);
                    assertThat(record.get("programDigest").asText())
                            .as("every record names the code that ran")
                            .isEqualTo(digest);
                })
                .filter(record -> record.has("event"))
                .map(record -> record.at("/event/resourcePreEvent"))
                .filter(pre -> !pre.isMissingNode())
                .toList();
    }

    /** The README's canonical form, written again here: sorted paths, each path and content length-prefixed. */
    static String digest(Path dir) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                byte[] path = dir.relativize(file).toString().getBytes(StandardCharsets.UTF_8);
                byte[] content = Files.readAllBytes(file);
                sha.update(ByteBuffer.allocate(8).putLong(path.length).array());
                sha.update(path);
                sha.update(ByteBuffer.allocate(8).putLong(content.length).array());
                sha.update(content);
            }
        }
        return "sha256:" + HexFormat.of().formatHex(sha.digest());
    }
}
