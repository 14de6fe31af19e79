package dev.provisioner.engine;

import java.util.Map;
import java.util.Objects;

/**
 * A program made ready for one run, with what identifies the code that runs.
 *
 * @param name its name in the catalog
 * @param program what the engine runs: for a directory program, the run's own copy of it
 * @param digest {@code sha256:} and 64 hex digits: of the directory program's files as copied
 *     ({@link ProgramFiles}), or of the service's build for an inline program ({@link ServiceBuild})
 * @param serviceVersion the service's version, for an inline program; else {@code null}
 * @param environment variables the service gives this program's CLI processes (its credentials)
 * @param secretConfig configuration the service sets as secrets for this program (its credentials)
 */
public record PreparedProgram(
        String name,
        Program program,
        String digest,
        String serviceVersion,
        Map<String, String> environment,
        Map<String, String> secretConfig) {

    public PreparedProgram {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(program, "program");
        Objects.requireNonNull(digest, "digest");
        environment = Map.copyOf(environment);
        secretConfig = Map.copyOf(secretConfig);
    }

    @Override
    public String toString() {
        // Credentials are never printed, whoever logs this.
        return "PreparedProgram[name=" + name + ", digest=" + digest + ", environment=" + environment.keySet()
                + ", secretConfig=" + secretConfig.keySet() + "]";
    }
}
