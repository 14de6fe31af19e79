package dev.provisioner.engine;

import dev.provisioner.contract.RequestRules;
import dev.provisioner.contract.StackNames;
import io.quarkus.arc.All;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The programs requests may name: every {@link InlineProgram} bean, the Pulumi project directories configured
 * under {@code provisioner.programs.directories.<name>}, and the sub-directories of
 * {@code provisioner.programs.catalog-dir} that hold a {@code Pulumi.yaml} and its {@code <name>.yaml} files
 * (single-file YAML programs, which a ConfigMap volume can hold: its keys cannot name sub-directories), read
 * when a program is looked up. A directory comes before a file of the same name.
 * Inline and configured programs come first: a catalog sub-directory of the same name is not seen.
 */
@ApplicationScoped
public class ProgramCatalog {

    /** A credential's variable name: what a shell and the CLI take, and none of those the service sets itself. */
    /** What a single-file program's name in the catalog directory ends with. */
    static final String SINGLE_FILE = ".yaml";

    static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Map<String, Program> programs = new HashMap<>();
    private final Optional<Path> catalogDir;
    private final Map<String, ProgramsConfig.Credentials> credentials;
    private final Workspaces workspaces;
    private final ServiceBuild build;

    public ProgramCatalog(
            @All List<InlineProgram> inline, ProgramsConfig config, Workspaces workspaces, ServiceBuild build) {
        this.catalogDir = config.catalogDir().map(Path::toAbsolutePath);
        this.credentials = Map.copyOf(config.credentials());
        this.workspaces = workspaces;
        this.build = build;
        for (InlineProgram p : inline) {
            add(p.name(), new Program.Inline(p::define));
        }
        config.directories().forEach((name, dir) -> {
            if (!ProgramFiles.isProject(dir)) {
                throw new IllegalStateException(
                        "provisioner.programs.directories." + name + ": " + dir + " holds no Pulumi.yaml");
            }
            add(name, new Program.Directory(dir.toAbsolutePath()));
        });
        credentials.forEach(ProgramCatalog::check);
    }

    private void add(String name, Program program) {
        if (programs.putIfAbsent(name, program) != null) {
            throw new IllegalStateException("two programs are named '" + name + "'");
        }
    }

    private static void check(String program, ProgramsConfig.Credentials given) {
        String prefix = "provisioner.programs.credentials." + program + ".";
        given.env().keySet().forEach(name -> {
            if (!ENV_NAME.matcher(name).matches() || name.startsWith("PULUMI_") || name.equals("TRACEPARENT")) {
                throw new IllegalStateException(
                        prefix + "env." + name
                                + ": a variable name is [A-Za-z_][A-Za-z0-9_]*, and PULUMI_* and TRACEPARENT are the service's");
            }
        });
        given.config().keySet().forEach(key -> {
            if (!RequestRules.CONFIG_KEY.matcher(key).matches()) {
                throw new IllegalStateException(
                        prefix + "config." + key + ": a config key is 1 to 128 characters of [A-Za-z0-9_.:-]");
            }
        });
    }

    /** The program of that name, as it is now. */
    public Optional<Program> find(String name) {
        Program known = programs.get(name);
        if (known != null) {
            return Optional.of(known);
        }
        if (catalogDir.isEmpty() || !StackNames.isValid(name)) {
            return Optional.empty();
        }
        Path dir = catalogDir.get().resolve(name);
        if (ProgramFiles.isProject(dir)) {
            return Optional.of(new Program.Directory(dir));
        }
        Path file = catalogDir.get().resolve(name + SINGLE_FILE);
        return Files.isRegularFile(file) ? Optional.of(new Program.Directory(file)) : Optional.empty();
    }

    /** The names of every program, the catalog directory's as it is now included. */
    public Set<String> names() {
        Set<String> names = new TreeSet<>(programs.keySet());
        catalogDir.filter(Files::isDirectory).ifPresent(dir -> {
            try (Stream<Path> entries = Files.list(dir)) {
                entries.map(p -> p.getFileName().toString())
                        .map(name -> name.endsWith(SINGLE_FILE)
                                ? name.substring(0, name.length() - SINGLE_FILE.length())
                                : name)
                        .filter(name -> find(name).isPresent())
                        .forEach(names::add);
            } catch (IOException e) {
                // Not listable now: the names that are known still are.
            }
        });
        return names;
    }

    /** The config keys the service sets for {@code program}: a request may not set them. */
    public Set<String> credentialConfigKeys(String program) {
        ProgramsConfig.Credentials given = credentials.get(program);
        return given == null ? Set.of() : given.config().keySet();
    }

    /**
     * Makes the program ready for one run on {@code project/stack}: a directory program is copied into the
     * stack's work directory, with its project name set to {@code project}, and identified by the files copied,
     * so that what runs is what the digest says even when the catalog changes meanwhile; an inline program is
     * identified by the service's build. The program's credentials come with it.
     *
     * @throws IOException when there is no such program any more, or it cannot be copied
     */
    public PreparedProgram prepare(String name, String project, String stack) throws IOException {
        Program program = find(name).orElseThrow(() -> new IOException("program '" + name + "' is not in the catalog"));
        ProgramsConfig.Credentials given = credentials.get(name);
        Map<String, String> env = given == null ? Map.of() : given.env();
        Map<String, String> config = given == null ? Map.of() : given.config();
        if (program instanceof Program.Directory directory) {
            Path copy = workspaces.workDir(project, stack);
            String digest = ProgramFiles.copy(directory.path(), copy);
            ProgramFiles.name(copy, project);
            return new PreparedProgram(name, new Program.Directory(copy), digest, null, env, config);
        }
        return new PreparedProgram(name, program, build.digest(), build.version(), env, config);
    }
}
