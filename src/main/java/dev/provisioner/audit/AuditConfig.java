package dev.provisioner.audit;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The audit trail on Kafka. */
@ConfigMapping(prefix = "provisioner.audit")
public interface AuditConfig {

    /** The CloudEvents {@code source} of every record, followed by {@code /<project>/<stack>}. */
    @WithDefault("/provisioner")
    String source();

    /**
     * Audit records of one run sent and not yet acknowledged; past it the run's events wait for
     * acknowledgements. The idempotent producer keeps them in order whatever this is; more hides the
     * broker's round trip on long runs, and holds more of a run's records in memory (and the run's events
     * less long) through a broker outage.
     */
    @WithDefault("1024")
    int maxInFlight();

    /**
     * Whether a run waits for the broker to acknowledge its {@code accepted} and {@code started} records
     * before the engine starts: no run the audit trail does not know of. When false, a run goes on while
     * the audit topic is unavailable, and its completion says when the trail stayed incomplete.
     */
    @WithDefault("true")
    boolean strict();

    /** How long finding a key's chain head on the audit topic may take before a request's trail opens. */
    @WithDefault("30s")
    Duration headTimeout();

    /**
     * The compacted topic that holds each key's last checkpoint (its chain sequence, hash and offset on the
     * audit topic): where the next writer of a chain starts looking for its head.
     */
    @WithDefault(HEADS_TOPIC)
    String headsTopic();

    String HEADS_TOPIC = "provisioning.audit.heads";

    /**
     * This replica's name in the key of its chain of reads of secret outputs ({@code reads:<name>}); the host
     * name when not set. Unique per replica: two replicas of one name would both write one chain.
     */
    Optional<String> readerId();

    /** The key that signs checkpoints. */
    Signing signing();

    interface Signing {
        /**
         * An Ed25519 private key, PKCS#8 PEM ({@code openssl genpkey -algorithm ed25519}); a Kubernetes secret
         * mounted as a file. Without one the service makes a key of its own at start-up, which no verifier
         * knows after a restart: for trying it out only.
         */
        Optional<Path> keyFile();

        /** The key's id, on every signature ({@code ce_chainkid}); a new key gets a new id. */
        Optional<String> keyId();
    }
}
