package dev.provisioner.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.time.Duration;
import java.util.Map;

/**
 * Starts the service's {@link OtlpReceiver} and the endpoints requests may name instead (they are the
 * service's {@code provisioner.otel.allowed-endpoints}): a tenant's own receiver, one that stalls, and a
 * closed port. Tests of per-request endpoints and outages so share the application of the others.
 */
public final class OtlpReceiverResource implements QuarkusTestResourceLifecycleManager {

    /** Longer than any run's wait for its records: to the service, the endpoint never answers. */
    private static final Duration STALL = Duration.ofMinutes(5);

    private static volatile OtlpReceiver receiver;
    private static volatile OtlpReceiver tenantReceiver;
    private static volatile OtlpReceiver stallingReceiver;
    private static volatile String unreachable;

    /** The service's endpoint. */
    public static OtlpReceiver receiver() {
        return receiver;
    }

    /** An allowed endpoint that works. */
    public static OtlpReceiver tenantReceiver() {
        return tenantReceiver;
    }

    /** An allowed endpoint that reads every export and never answers. */
    public static OtlpReceiver stallingReceiver() {
        return stallingReceiver;
    }

    /** An allowed endpoint on a loopback port nothing listens on. */
    public static String unreachableEndpoint() {
        return unreachable;
    }

    @Override
    public Map<String, String> start() {
        receiver = OtlpReceiver.start();
        tenantReceiver = OtlpReceiver.start();
        stallingReceiver = OtlpReceiver.stalling(STALL);
        unreachable = OtlpReceiver.unreachableBaseUrl();
        return Map.of(
                "provisioner.otel.endpoint",
                receiver.baseUrl(),
                "provisioner.otel.allowed-endpoints",
                String.join(",", tenantReceiver.baseUrl(), stallingReceiver.baseUrl(), unreachable));
    }

    @Override
    public void stop() {
        for (OtlpReceiver r : new OtlpReceiver[] {receiver, tenantReceiver, stallingReceiver}) {
            if (r != null) {
                r.close();
            }
        }
    }
}
