package dev.provisioner.audit.chain;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * Ed25519 signatures of checkpoints, with the JDK's own provider: keys as PEM (PKCS#8 {@code PRIVATE KEY},
 * X.509 {@code PUBLIC KEY}, as {@code openssl genpkey -algorithm ed25519} writes them), signatures as
 * base64url without padding.
 */
public final class Signatures {

    public static final String ALGORITHM = "Ed25519";

    private Signatures() {}

    /** The signature of the checkpoint whose record has {@code hash}. */
    public static String sign(PrivateKey key, String hash) {
        try {
            Signature signer = Signature.getInstance(ALGORITHM);
            signer.initSign(key);
            signer.update(AuditChain.checkpoint(hash));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(signer.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with " + key.getAlgorithm() + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code signature} is {@code key}'s signature of the checkpoint whose record has {@code hash}. */
    public static boolean verify(PublicKey key, String hash, String signature) {
        try {
            Signature verifier = Signature.getInstance(ALGORITHM);
            verifier.initVerify(key);
            verifier.update(AuditChain.checkpoint(hash));
            return verifier.verify(Base64.getUrlDecoder().decode(signature));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    /** @throws IllegalArgumentException when {@code pem} is not an Ed25519 private key in PKCS#8 PEM */
    public static PrivateKey privateKey(String pem) {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der(pem, "PRIVATE KEY")));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an Ed25519 private key (PKCS#8 PEM): " + e.getMessage(), e);
        }
    }

    /** @throws IllegalArgumentException when {@code pem} is not an Ed25519 public key in X.509 PEM */
    public static PublicKey publicKey(String pem) {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der(pem, "PUBLIC KEY")));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an Ed25519 public key (X.509 PEM): " + e.getMessage(), e);
        }
    }

    /** The public key in X.509 PEM. */
    public static String pem(PublicKey key) {
        return "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    private static byte[] der(String pem, String type) {
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int from = pem.indexOf(begin);
        int to = pem.indexOf(end);
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("no " + begin + " … " + end + " block");
        }
        return Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
    }
}
