package dev.provisioner.engine;

import com.pulumi.automation.AutomationException;
import com.pulumi.automation.ConfigValue;
import com.pulumi.automation.StackSettings;
import com.pulumi.automation.WorkspaceStack;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Makes a stack's configuration exactly a request's, starting the CLI only when it differs from what the
 * workspace's stack file holds. Secret values are stored encrypted there, with a random nonce, so they cannot
 * be compared with the file itself: the workspace keeps, next to it, a digest of the configuration it was last
 * given (an HMAC keyed by the passphrase, so it tells nothing of a secret) and of the stack file that resulted.
 * Both must match for the CLI to be skipped; a new work dir, or a stack file changed by anything else, sets
 * the configuration again.
 */
final class StackConfig {

    private static final String DIGEST_FILE = "config.digest";
    private static final String NO_FILE = "-";

    private final Path digestFile;
    private final byte[] key;

    /** @param stackDir the stack's own directory, where the digest is kept */
    StackConfig(Path stackDir, String passphrase) {
        this.digestFile = stackDir.resolve(DIGEST_FILE);
        this.key = sha256(("provisioner-config-digest/v1\n" + passphrase).getBytes(StandardCharsets.UTF_8));
    }

    /** Sets {@code spec}'s configuration on {@code stack} unless it already has it; keys it does not name go. */
    void apply(WorkspaceStack stack, RunSpec spec) throws AutomationException, IOException {
        Path settings = stack.workspace().workDir().resolve("Pulumi." + stack.name() + ".yaml");
        String wanted = digest(spec);
        if (Files.exists(digestFile) && Files.readString(digestFile).equals(wanted + " " + fileDigest(settings))) {
            return;
        }
        Files.deleteIfExists(digestFile);
        Map<String, ConfigValue> values = new HashMap<>();
        spec.config().forEach((k, v) -> values.put(k, new ConfigValue(v, false)));
        spec.secretConfig().forEach((k, v) -> values.put(k, new ConfigValue(v, true)));
        String prefix = spec.project() + ":";
        // The stack file is read as the SDK reads it, without the CLI.
        List<String> stale = stack
                .workspace()
                .getStackSettings(stack.name())
                .map(StackSettings::config)
                .map(Map::keySet)
                .orElse(java.util.Set.of())
                .stream()
                .filter(k -> !values.containsKey(k.startsWith(prefix) ? k.substring(prefix.length()) : k))
                .toList();
        if (!stale.isEmpty()) {
            stack.removeAllConfig(stale);
        }
        if (!values.isEmpty()) {
            stack.setAllConfig(values);
        }
        Files.writeString(digestFile, wanted + " " + fileDigest(settings));
    }

    /** The HMAC of the configuration's canonical form: each key and value with its length, sorted. */
    private String digest(RunSpec spec) {
        var text = new StringBuilder();
        append(text, 'p', spec.config());
        append(text, 's', spec.secretConfig());
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(text.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static void append(StringBuilder text, char kind, Map<String, String> values) {
        new TreeMap<>(values)
                .forEach((k, v) -> text.append(kind)
                        .append(' ')
                        .append(k.length())
                        .append(':')
                        .append(k)
                        .append(' ')
                        .append(v.length())
                        .append(':')
                        .append(v)
                        .append('\n'));
    }

    private static String fileDigest(Path file) throws IOException {
        return Files.exists(file) ? HexFormat.of().formatHex(sha256(Files.readAllBytes(file))) : NO_FILE;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
