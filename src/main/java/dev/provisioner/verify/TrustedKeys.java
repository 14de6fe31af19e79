package dev.provisioner.verify;

import dev.provisioner.audit.chain.Signatures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Map;
import java.util.TreeMap;

/** The public keys a verifier trusts, by key id, read from PEM files. */
public final class TrustedKeys {

    private TrustedKeys() {}

    /**
     * The keys in the files {@code pemFiles} names, by key id.
     *
     * @throws IllegalArgumentException naming the key id and the file, when one cannot be read or is not an
     *     Ed25519 public key in X.509 PEM
     */
    public static Map<String, PublicKey> load(Map<String, String> pemFiles) {
        Map<String, PublicKey> keys = new TreeMap<>();
        pemFiles.forEach((kid, file) -> {
            String pem;
            try {
                pem = Files.readString(Path.of(file));
            } catch (IOException | InvalidPathException e) {
                throw new IllegalArgumentException("public key " + kid + ": cannot read " + file + " (" + e + ")", e);
            }
            try {
                keys.put(kid, Signatures.publicKey(pem));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("public key " + kid + " (" + file + "): " + e.getMessage(), e);
            }
        });
        return keys;
    }
}
