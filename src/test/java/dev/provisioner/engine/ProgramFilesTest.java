package dev.provisioner.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a directory program's digest covers, and what its copy for a run keeps. */
class ProgramFilesTest {

    private static final String PROJECT = "name: catalog-name\nruntime: yaml\n# a comment\n";

    @TempDir
    Path temp;

    @Test
    void theDigestCoversTheProgramsFilesAndNothingTheCliOrTheKubeletAdds() throws IOException {
        Path program = program("program");
        String digest = ProgramFiles.copy(program, temp.resolve("copy-1"));

        Files.writeString(program.resolve("Pulumi.dev.yaml"), "encryptionsalt: x\n");
        Files.createDirectories(program.resolve(".git"))
                .resolve("HEAD")
                .toFile()
                .createNewFile();
        Files.writeString(program.resolve(".hidden"), "x");
        assertThat(ProgramFiles.copy(program, temp.resolve("copy-2"))).isEqualTo(digest);

        Files.writeString(program.resolve("lib/extra.yaml"), "b: 2\n");
        assertThat(ProgramFiles.copy(program, temp.resolve("copy-3"))).isNotEqualTo(digest);
    }

    @Test
    void aFileMovedToAnotherPathIsAnotherProgram() throws IOException {
        Path one = program("one");
        Path two = program("two");
        Files.move(two.resolve("lib/extra.yaml"), two.resolve("extra.yaml"));
        Files.delete(two.resolve("lib"));

        assertThat(ProgramFiles.copy(one, temp.resolve("a"))).isNotEqualTo(ProgramFiles.copy(two, temp.resolve("b")));
    }

    @Test
    void theCopyKeepsOnlyTheStacksConfigurationOfWhatWasThere() throws IOException {
        Path work = Files.createDirectories(temp.resolve("work"));
        Files.writeString(work.resolve("Pulumi.dev.yaml"), "encryptionsalt: kept\n");
        Files.writeString(work.resolve("left-over.txt"), "from an earlier program");

        ProgramFiles.copy(program("program"), work);

        assertThat(work.resolve("left-over.txt")).doesNotExist();
        assertThat(work.resolve("Pulumi.dev.yaml")).hasContent("encryptionsalt: kept");
        assertThat(work.resolve("lib/extra.yaml")).hasContent("a: 1");
    }

    @Test
    void theCopyIsNamedForTheRequestsProjectAndLeftAsItIsWhenItAlreadyIs() throws IOException {
        Path work = temp.resolve("work");
        ProgramFiles.copy(program("program"), work);
        ProgramFiles.name(work, "catalog-name");
        assertThat(work.resolve("Pulumi.yaml")).hasContent(PROJECT.trim());

        ProgramFiles.name(work, "team-a");
        assertThat(Files.readString(work.resolve("Pulumi.yaml")))
                .contains("name: team-a", "runtime: yaml")
                .doesNotContain("catalog-name");
    }

    @Test
    void aSingleFileIsTheDirectoryThatHoldsItAsPulumiYaml() throws IOException {
        Path dir = Files.createDirectories(temp.resolve("dir"));
        Files.writeString(dir.resolve("Pulumi.yaml"), PROJECT);
        Path file = Files.writeString(temp.resolve("single.yaml"), PROJECT);

        assertThat(ProgramFiles.copy(file, temp.resolve("from-file")))
                .isEqualTo(ProgramFiles.copy(dir, temp.resolve("from-dir")))
                .matches("sha256:[0-9a-f]{64}");
        assertThat(temp.resolve("from-file/Pulumi.yaml")).hasContent(PROJECT.trim());
    }

    @Test
    void aProgramTooLargeIsRefused() throws IOException {
        Path program = program("large");
        Files.write(program.resolve("big.bin"), new byte[(int) ProgramFiles.MAX_BYTES + 1]);

        assertThatThrownBy(() -> ProgramFiles.copy(program, temp.resolve("copy")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("more than " + ProgramFiles.MAX_BYTES + " bytes");
    }

    private Path program(String name) throws IOException {
        Path dir = Files.createDirectories(temp.resolve(name).resolve("lib"));
        Files.writeString(dir.getParent().resolve("Pulumi.yaml"), PROJECT);
        Files.writeString(dir.resolve("extra.yaml"), "a: 1\n");
        return dir.getParent();
    }
}
