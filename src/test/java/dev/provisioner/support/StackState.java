package dev.provisioner.support;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A stack as the service left it in the {@code file://} backend under its work dir
 * ({@code provisioner.engine.work-dir}), read with the real CLI the way an operator would.
 */
public final class StackState {

    private final Path workDir;
    private final String project;
    private final String stack;
    private final String passphrase;

    public StackState(Path workDir, String project, String stack, String passphrase) {
        this.workDir = workDir;
        this.project = project;
        this.stack = stack;
        this.passphrase = passphrase;
    }

    /** {@code pulumi stack export}: the stack's deployment, with its resources and pending operations. */
    public JsonNode deployment() {
        Path stackDir = workDir.resolve("stacks").resolve(project).resolve(stack);
        return export(
                stack,
                stackDir.resolve("work"),
                stackDir.resolve("pulumi-home"),
                Map.of(
                        "PULUMI_BACKEND_URL",
                        workDir.resolve("state").toUri().toString(),
                        "PULUMI_CONFIG_PASSPHRASE",
                        passphrase));
    }

    /**
     * {@code pulumi stack export --stack <stack>} run in {@code dir} with {@code home} as its {@code PULUMI_HOME}
     * and {@code environment} (the backend, the passphrase, the backend's credentials): the stack's deployment.
     */
    static JsonNode export(String stack, Path dir, Path home, Map<String, String> environment) {
        var builder = new ProcessBuilder(
                        PulumiCliResource.binary(), "stack", "export", "--stack", stack, "--non-interactive")
                .directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().putAll(environment);
        builder.environment().put("PULUMI_HOME", home.toString());
        builder.environment().put("PULUMI_SKIP_UPDATE_CHECK", "true");
        try {
            Process export = builder.start();
            String out = new String(export.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!export.waitFor(60, TimeUnit.SECONDS) || export.exitValue() != 0) {
                throw new IllegalStateException("`pulumi stack export` failed: " + out);
            }
            return Requests.parse(out).path("deployment");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The names of the resources of {@code type} in the stack. */
    public List<String> resourceNames(String type) {
        return resourceNames(deployment(), type);
    }

    /** The names of the resources of {@code type} in {@code deployment}. */
    static List<String> resourceNames(JsonNode deployment, String type) {
        List<String> names = new java.util.ArrayList<>();
        for (JsonNode resource : deployment.path("resources")) {
            if (type.equals(resource.path("type").asText())) {
                String urn = resource.path("urn").asText();
                names.add(urn.substring(urn.lastIndexOf("::") + 2));
            }
        }
        return names;
    }

    /** The stack's lock files: one per update under way, or left by one that crashed. */
    public List<Path> lockFiles() {
        return lockFiles(workDir, project, stack);
    }

    /** The lock files of {@code project/stack} in the {@code file://} backend under {@code workDir}. */
    public static List<Path> lockFiles(Path workDir, String project, String stack) {
        Path locks = locksDir(workDir.resolve("state"), project, stack);
        if (!Files.isDirectory(locks)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(locks)) {
            return files.filter(f -> f.toString().endsWith(".json")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where a DIY backend whose root is {@code state} (a directory, or a bucket's) keeps the stack's lock files. */
    static Path locksDir(Path state, String project, String stack) {
        return state.resolve(".pulumi")
                .resolve("locks")
                .resolve("organization")
                .resolve(project)
                .resolve(stack);
    }
}
