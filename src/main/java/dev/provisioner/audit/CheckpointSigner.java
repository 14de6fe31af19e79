package dev.provisioner.audit;

import dev.provisioner.audit.chain.Signatures;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.util.HexFormat;
import org.jboss.logging.Logger;

/** Signs the checkpoints of the audit chain with the service's key ({@code provisioner.audit.signing.*}). */
@ApplicationScoped
public class CheckpointSigner {

    private static final Logger LOG = Logger.getLogger(CheckpointSigner.class);

    private final PrivateKey key;
    private final String keyId;

    public CheckpointSigner(AuditConfig config) {
        AuditConfig.Signing signing = config.signing();
        if (signing.keyFile().isPresent()) {
            try {
                this.key =
                        Signatures.privateKey(Files.readString(signing.keyFile().get()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read provisioner.audit.signing.key-file", e);
            }
            this.keyId = signing.keyId()
                    .orElseThrow(() -> new IllegalStateException(
                            "provisioner.audit.signing.key-id is required with provisioner.audit.signing.key-file"));
            return;
        }
        try {
            var pair = KeyPairGenerator.getInstance(Signatures.ALGORITHM).generateKeyPair();
            this.key = pair.getPrivate();
            this.keyId = "ephemeral-"
                    + HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256")
                                    .digest(pair.getPublic().getEncoded()))
                            .substring(0, 12);
            LOG.warnf(
                    "no provisioner.audit.signing.key-file: checkpoints are signed with a key made now (%s), which"
                            + " no verifier will know after a restart. Its public key:%n%s",
                    keyId, Signatures.pem(pair.getPublic()).strip());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make an Ed25519 key", e);
        }
    }

    /** The id of the signing key ({@code ce_chainkid}). */
    public String keyId() {
        return keyId;
    }

    /** The signature of the checkpoint whose record has {@code hash}. */
    public String sign(String hash) {
        return Signatures.sign(key, hash);
    }
}
