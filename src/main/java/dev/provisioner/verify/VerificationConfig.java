package dev.provisioner.verify;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;

/** How the service verifies audit trails when asked to ({@code GET /stacks/{project}/{stack}/audit/verification}). */
@ConfigMapping(prefix = "provisioner.audit")
public interface VerificationConfig {

    /**
     * The public keys whose checkpoints are trusted: {@code provisioner.audit.public-keys.<kid>=<path to PEM>},
     * Ed25519 in X.509 PEM ({@code openssl pkey -pubout}). Keep the keys of retired key ids as long as the trail
     * holds checkpoints they signed. None: the chain is checked up to its first checkpoint, reported as signed by
     * an unknown key.
     */
    Map<String, String> publicKeys();

    /** How long reading one trail may take; a partition's whole log is read. */
    @WithDefault("60s")
    Duration verificationTimeout();
}
