package dev.provisioner.api;

import dev.provisioner.verify.ChainVerifier;
import dev.provisioner.verify.TrailReader;
import dev.provisioner.verify.TrustedKeys;
import dev.provisioner.verify.VerificationConfig;
import dev.provisioner.verify.VerificationReport;
import io.quarkus.runtime.Startup;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Verifies a key's trail on the service's audit topic with the trusted keys of its configuration. Made at
 * start-up, so that a public key that cannot be read stops the service rather than the first verification.
 */
@Singleton
@Startup
final class TrailVerification {

    private final TrailReader reader;
    private final ChainVerifier verifier;
    private final String topic;

    TrailVerification(
            VerificationConfig config,
            @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "localhost:9092") String bootstrapServers,
            @ConfigProperty(name = "mp.messaging.outgoing.audit.topic") String topic) {
        this.reader = TrailReader.of(bootstrapServers, config.verificationTimeout());
        this.verifier = new ChainVerifier(TrustedKeys.load(config.publicKeys()));
        this.topic = topic;
    }

    /**
     * The report on {@code key}'s trail as the topic holds it now.
     *
     * @throws TrailReader.TrailReadException when the topic could not be read in time
     */
    VerificationReport verify(String key) {
        return verifier.verify(reader.read(topic, key));
    }
}
