package dev.provisioner.engine;

import io.quarkus.arc.All;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The programs requests may name: every {@link InlineProgram} bean, and the Pulumi project directories
 * configured under {@code provisioner.programs.directories.<name>}.
 */
@ApplicationScoped
public class ProgramCatalog {

    private final Map<String, Program> programs = new HashMap<>();

    public ProgramCatalog(@All List<InlineProgram> inline, ProgramsConfig config) {
        for (InlineProgram p : inline) {
            add(p.name(), new Program.Inline(p::define));
        }
        config.directories().forEach((name, dir) -> {
            if (!Files.isRegularFile(dir.resolve("Pulumi.yaml")) && !Files.isRegularFile(dir.resolve("Pulumi.yml"))) {
                throw new IllegalStateException(
                        "provisioner.programs.directories." + name + ": " + dir + " holds no Pulumi.yaml");
            }
            add(name, new Program.Directory(dir.toAbsolutePath()));
        });
    }

    private void add(String name, Program program) {
        if (programs.putIfAbsent(name, program) != null) {
            throw new IllegalStateException("two programs are named '" + name + "'");
        }
    }

    public Optional<Program> find(String name) {
        return Optional.ofNullable(programs.get(name));
    }

    public Set<String> names() {
        return new TreeSet<>(programs.keySet());
    }
}
