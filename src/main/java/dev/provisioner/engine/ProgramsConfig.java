package dev.provisioner.engine;

import io.smallrye.config.ConfigMapping;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** The Pulumi project directories in the program catalog, besides the inline Java programs, and their credentials. */
@ConfigMapping(prefix = "provisioner.programs")
public interface ProgramsConfig {

    /**
     * A directory whose sub-directories holding a {@code Pulumi.yaml} are programs, each named by its directory;
     * read whenever a request names a program, so that a program added to it (a ConfigMap volume, say) is there
     * without a restart. None by default.
     */
    Optional<Path> catalogDir();

    /** Program name to a directory holding a {@code Pulumi.yaml}, for a program outside the catalog directory. */
    Map<String, Path> directories();

    /** Program name to what the service, and never a request, gives that program's runs. */
    Map<String, Credentials> credentials();

    /** What a program's runs get from the service's configuration (mount it from a Secret). */
    interface Credentials {

        /** Environment variables of the run's CLI processes, and so of the program. */
        Map<String, String> env();

        /** Stack configuration set as Pulumi secrets, by key without the project prefix. */
        Map<String, String> config();
    }
}
