package dev.provisioner.audit;

import static dev.provisioner.support.Requests.auditTrail;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.provisioner.contract.Operation;
import dev.provisioner.contract.ProvisioningRequest;
import dev.provisioner.event.EngineEvent;
import dev.provisioner.event.EngineEvents;
import dev.provisioner.event.RecordedStreams;
import dev.provisioner.event.RunSinks;
import dev.provisioner.support.KafkaBrokerResource;
import dev.provisioner.support.OtlpReceiverResource;
import dev.provisioner.support.PulumiCliResource;
import dev.provisioner.support.TcpLink;
import dev.provisioner.support.Topics;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A run's audit records wait for the broker at most {@code max-in-flight} at a time: while the audit topic
 * cannot be reached, the run's events stop there, rather than pile up in memory, and go on, none lost,
 * none twice, in order, once it is back.
 */
@QuarkusTest
@TestProfile(AuditBackPressureTest.SmallWindow.class)
class AuditBackPressureTest {

    static final int MAX_IN_FLIGHT = 4;

    @Inject
    AuditSink audit;

    @Test
    void anUnreachableTopicHoldsTheEventsAtMaxInFlightAndLosesNone() throws Exception {
        List<EngineEvent> events = recordedUp();
        String requestId = "back-pressure-" + UUID.randomUUID();
        AuditTrail trail = audit.open(request(requestId));
        AtomicInteger handedOn = new AtomicInteger();
        TcpLink link = KafkaBrokerResource.auditLink();

        CompletableFuture<Void> written;
        link.cut();
        try {
            written = CompletableFuture.runAsync(() -> RunSinks.feed(
                            Multi.createFrom().iterable(events).invoke(handedOn::incrementAndGet),
                            List.of(trail.events()))
                    .await()
                    .atMost(Duration.ofMinutes(2)));
            // MAX_IN_FLIGHT records wait for their answer; the next event waits for room.
            await().atMost(Duration.ofSeconds(30)).until(() -> handedOn.get() == MAX_IN_FLIGHT + 1);
            await().during(Duration.ofSeconds(3)).until(() -> handedOn.get() == MAX_IN_FLIGHT + 1);
            assertThat(written).isNotDone();
        } finally {
            link.restore();
        }
        written.get(2, TimeUnit.MINUTES);

        assertThat(handedOn).hasValue(events.size());
        assertThat(trail.acknowledged()).isEqualTo(events.size());
        assertThat(trail.intact()).isTrue();
        List<String> ids = auditTrail(requestId).stream()
                .map(r -> Topics.header(r, "ce_id"))
                .toList();
        assertThat(ids)
                .containsExactlyElementsOf(events.stream()
                        .map(e -> requestId + ":" + trail.attempt() + ":engine:" + e.sequence())
                        .toList());
    }

    private static List<EngineEvent> recordedUp() {
        EngineEvents parser = new EngineEvents(new ObjectMapper());
        return RecordedStreams.lines("up-create").stream().map(parser::parse).toList();
    }

    private static ProvisioningRequest request(String requestId) {
        return new ProvisioningRequest(
                requestId,
                Operation.UP,
                "back-pressure",
                "dev",
                "stash-demo",
                Map.of(),
                Map.of(),
                "alice@example.com",
                null,
                null,
                null);
    }

    /** The real parts, with room for {@value #MAX_IN_FLIGHT} audit records of a run awaiting the broker. */
    public static final class SmallWindow implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "provisioner.audit.max-in-flight",
                    String.valueOf(MAX_IN_FLIGHT),
                    // Back soon after the link is, rather than up to the 10 s SmallRye sets.
                    "mp.messaging.outgoing.audit.reconnect.backoff.max.ms",
                    "1000");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(
                    new TestResourceEntry(KafkaBrokerResource.class),
                    new TestResourceEntry(PulumiCliResource.class),
                    new TestResourceEntry(OtlpReceiverResource.class));
        }
    }
}
