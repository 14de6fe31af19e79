package dev.provisioner.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Programs from directories for the service under test: the pinned YAML language host beside the pinned CLI
 * ({@code deploy/install-pulumi-yaml.sh}, which builds it from its Go modules on a machine that has none), an
 * empty catalog directory that tests fill while the service runs, and the credentials of one program.
 */
public final class YamlProgramsResource implements QuarkusTestResourceLifecycleManager {

    /** The program the service gives credentials to. */
    public static final String CREDENTIALS_PROGRAM = "yaml-credentials";

    /** The variable of its credentials, and its value, unique to this test JVM. */
    public static final String CREDENTIAL_ENV = "PROGRAM_TOKEN";

    public static final String CREDENTIAL_ENV_VALUE = "env-" + UUID.randomUUID();

    /** The secret config key of its credentials, and its value. */
    public static final String CREDENTIAL_CONFIG = "apiKey";

    public static final String CREDENTIAL_CONFIG_VALUE = "cfg-" + UUID.randomUUID();

    private static volatile Path catalog;

    /** The catalog directory the service reads. */
    public static Path catalog() {
        return catalog;
    }

    @Override
    public Map<String, String> start() {
        install(PulumiCliResource.binary());
        try {
            catalog = Files.createTempDirectory("provisioner-catalog-");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        String credentials = "provisioner.programs.credentials." + CREDENTIALS_PROGRAM;
        return Map.of(
                "provisioner.programs.catalog-dir",
                catalog.toString(),
                credentials + ".env." + CREDENTIAL_ENV,
                CREDENTIAL_ENV_VALUE,
                credentials + ".config." + CREDENTIAL_CONFIG,
                CREDENTIAL_CONFIG_VALUE);
    }

    @Override
    public void stop() {
        if (catalog != null) {
            try (Stream<Path> paths = Files.walk(catalog)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // A temp directory left behind is harmless.
            }
        }
    }

    private static void install(String cli) {
        try {
            Process p = new ProcessBuilder("bash", "deploy/install-pulumi-yaml.sh", cli)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0 || out.isEmpty()) {
                throw new IllegalStateException(
                        "deploy/install-pulumi-yaml.sh could not provide the YAML language host (see its output)");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run deploy/install-pulumi-yaml.sh", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
