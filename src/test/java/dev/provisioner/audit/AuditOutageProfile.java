package dev.provisioner.audit;

import dev.provisioner.support.KafkaBrokerResource;
import dev.provisioner.support.OtlpReceiverResource;
import dev.provisioner.support.PulumiCliResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;
import java.util.Map;

/**
 * The real parts, with a broker that can be restarted, and an audit producer that gives a record up after
 * 1 min instead of 2, so that a test can see it happen (a broker restart on a busy machine takes well
 * under that). Not strict: that mode is tested here too.
 */
public final class AuditOutageProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "mp.messaging.outgoing.audit.delivery.timeout.ms", "60000",
                "mp.messaging.outgoing.audit.request.timeout.ms", "10000",
                // Back soon after the broker is, rather than up to the 10 s SmallRye sets.
                "mp.messaging.outgoing.audit.reconnect.backoff.max.ms", "1000",
                "provisioner.audit.strict", "false",
                // One replica, and a broker down for longer than leases.freshness: with its lease on, the run
                // would be stopped (a replica that cannot renew stops writing), which is FailoverIT's subject,
                // not this one's.
                "provisioner.leases.enabled", "false");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(
                new TestResourceEntry(KafkaBrokerResource.class, Map.of(KafkaBrokerResource.RESTARTABLE, "true")),
                new TestResourceEntry(PulumiCliResource.class),
                new TestResourceEntry(OtlpReceiverResource.class));
    }
}
