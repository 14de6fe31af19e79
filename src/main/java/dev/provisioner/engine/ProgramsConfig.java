package dev.provisioner.engine;

import io.smallrye.config.ConfigMapping;
import java.nio.file.Path;
import java.util.Map;

/** Pulumi project directories in the program catalog, besides the inline Java programs. */
@ConfigMapping(prefix = "provisioner.programs")
public interface ProgramsConfig {

    /** Program name to a directory holding a {@code Pulumi.yaml}; none by default. */
    Map<String, Path> directories();
}
