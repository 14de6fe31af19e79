package dev.provisioner.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The files of a directory program, what identifies them, and their copy for one run.
 *
 * <p>A program's files are the regular files under its directory, symbolic links followed (a ConfigMap volume
 * is made of them), except hidden entries (a name starting with {@code .}: VCS data, and the kubelet's
 * {@code ..data} and timestamped directories) and stack configuration files ({@code Pulumi.<stack>.yaml} at the
 * top, which the CLI writes into the project directory: a stack's configuration comes from the request and
 * the service, not from the catalog).
 *
 * <p>A single-file program (a YAML file in the catalog directory) is a directory holding that file as
 * {@code Pulumi.yaml}.
 *
 * <p>Digest, {@code sha256:} and 64 hex digits: SHA-256 over the files sorted by relative path ({@code /}
 * separated, UTF-8, compared byte by byte), each fed as the path's length in bytes (8 bytes, big-endian), the
 * path, the content's length (8 bytes, big-endian) and the content.
 */
final class ProgramFiles {

    /** The largest program copied for a run, in files and in bytes. */
    static final int MAX_FILES = 1000;

    static final long MAX_BYTES = 16L * 1024 * 1024;

    /** The project file; a single-file program is copied, and digested, as this. */
    static final String PROJECT_FILE = "Pulumi.yaml";

    private static final Pattern STACK_CONFIG = Pattern.compile("Pulumi\\..+\\.ya?ml");

    /** Writes YAML as people do: no document marker, quotes only where a string would read as something else. */
    private static final YAMLMapper YAML = new YAMLMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    private ProgramFiles() {}

    /** Whether {@code dir} holds a Pulumi project file. */
    static boolean isProject(Path dir) {
        return Files.isRegularFile(dir.resolve(PROJECT_FILE)) || Files.isRegularFile(dir.resolve("Pulumi.yml"));
    }

    /** Whether a top-level file name is a stack's configuration, which the CLI keeps beside the project file. */
    static boolean isStackConfig(String name) {
        return STACK_CONFIG.matcher(name).matches();
    }

    /** The digest of the files under {@code dir}, chosen and fed as a program's are. */
    static String digestTree(Path dir) throws IOException {
        Path root = dir.toRealPath();
        MessageDigest sha = sha256();
        for (Path file : list(root)) {
            feed(sha, relative(root, file), Files.readAllBytes(file));
        }
        return "sha256:" + HexFormat.of().formatHex(sha.digest());
    }

    /**
     * Copies the program in {@code from} (a directory, or a single file) into {@code to}, whose other content is removed but for its stack
     * configuration files, and returns the digest of exactly the bytes copied: each file is read once. The
     * directory is resolved first, so that a ConfigMap updated meanwhile (the kubelet swaps a link to a new
     * directory) is copied wholly old or wholly new.
     *
     * @throws IOException when the program cannot be read, has more than {@value #MAX_FILES} files or
     *     {@value #MAX_BYTES} bytes, or {@code to} cannot be written
     */
    static String copy(Path from, Path to) throws IOException {
        Path source = from.toRealPath();
        clear(to);
        MessageDigest sha = sha256();
        long bytes = 0;
        boolean single = Files.isRegularFile(source);
        for (Path file : single ? List.of(source) : list(source)) {
            byte[] content = Files.readAllBytes(file);
            bytes += content.length;
            if (bytes > MAX_BYTES) {
                throw new IOException("the program has more than " + MAX_BYTES + " bytes");
            }
            String path = single ? PROJECT_FILE : relative(source, file);
            feed(sha, path, content);
            Path target = to.resolve(path);
            Files.createDirectories(target.getParent());
            Files.write(target, content);
        }
        return "sha256:" + HexFormat.of().formatHex(sha.digest());
    }

    /**
     * Sets the project name in the copy's project file to {@code project}, so that its stacks are
     * {@code organization/<project>/<stack>} whatever the catalog's file says; a file that already says so is
     * left as it is. Nothing else of it changes, but comments and layout, which YAML readers ignore.
     */
    static void name(Path dir, String project) throws IOException {
        Path file = Files.isRegularFile(dir.resolve("Pulumi.yaml"))
                ? dir.resolve("Pulumi.yaml")
                : dir.resolve("Pulumi.yml");
        JsonNode settings = YAML.readTree(file.toFile());
        if (!(settings instanceof ObjectNode object)) {
            throw new IOException(file.getFileName() + " is not a YAML mapping");
        }
        if (project.equals(object.path("name").asText(null))) {
            return;
        }
        object.put("name", project);
        YAML.writeValue(file.toFile(), object);
    }

    private static List<Path> list(Path root) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root, FileVisitOption.FOLLOW_LINKS)) {
            for (Path path : (Iterable<Path>) walk::iterator) {
                Path rel = root.relativize(path);
                if (rel.toString().isEmpty() || !Files.isRegularFile(path) || hidden(rel)) {
                    continue;
                }
                if (rel.getNameCount() == 1 && isStackConfig(rel.toString())) {
                    continue;
                }
                files.add(path);
                if (files.size() > MAX_FILES) {
                    throw new IOException("the program has more than " + MAX_FILES + " files");
                }
            }
        }
        files.sort(Comparator.comparing(
                (Path p) -> relative(root, p).getBytes(StandardCharsets.UTF_8), Arrays::compareUnsigned));
        return files;
    }

    private static boolean hidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static String relative(Path root, Path file) {
        return root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }

    /** Empties {@code dir} but for its stack configuration files, which hold each stack's encryption salt. */
    private static void clear(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (Stream<Path> top = Files.list(dir)) {
            for (Path entry : (Iterable<Path>) top::iterator) {
                if (!isStackConfig(entry.getFileName().toString())) {
                    delete(entry);
                }
            }
        }
    }

    private static void delete(Path path) throws IOException {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> walk = Files.walk(path)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        } else {
            Files.delete(path);
        }
    }

    private static void feed(MessageDigest sha, String path, byte[] content) {
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        sha.update(ByteBuffer.allocate(Long.BYTES).putLong(name.length).array());
        sha.update(name);
        sha.update(ByteBuffer.allocate(Long.BYTES).putLong(content.length).array());
        sha.update(content);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
