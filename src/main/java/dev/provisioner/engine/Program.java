package dev.provisioner.engine;

import com.pulumi.Context;
import java.nio.file.Path;
import java.util.function.Consumer;

/** A Pulumi program the engine can run: Java code in the service, or a project directory on disk. */
public sealed interface Program {

    /** A Java program that runs inside the service, served to the CLI by the Automation API. */
    record Inline(Consumer<Context> body) implements Program {}

    /**
     * A Pulumi project directory (any language whose host is installed). In the catalog, {@code path} may also be
     * a single-file YAML program; the copy a run gets ({@link ProgramCatalog#prepare}) is always a directory.
     */
    record Directory(Path path) implements Program {}
}
