package dev.provisioner.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** {@code kustomize build}, with the pinned kustomize that {@code deploy/install-kustomize.sh} provides. */
final class Kustomize {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static String binary;

    private Kustomize() {}

    /** The objects {@code kustomize build dir} prints, in its order. */
    static List<JsonNode> build(String dir) {
        String yaml = run(binary(), "build", dir);
        try (var parser = YAML.createParser(yaml)) {
            return YAML.readValues(parser, JsonNode.class).readAll().stream()
                    .filter(node -> !node.isNull() && !node.isMissingNode())
                    .toList();
        } catch (IOException e) {
            throw new IllegalStateException("kustomize printed YAML that does not parse", e);
        }
    }

    private static synchronized String binary() {
        if (binary == null) {
            binary = run("bash", "deploy/install-kustomize.sh").trim();
        }
        return binary;
    }

    private static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (see its output)");
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command[0], e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
