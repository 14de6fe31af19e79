package dev.provisioner.health;

import dev.provisioner.lease.StackLeases;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when the replica can take and keep stack leases: its reader of the lease topic is running and has read
 * to the topic's end within {@code provisioner.leases.catch-up-timeout}. Up when leases are off.
 */
@Readiness
@Singleton
final class LeaseCheck implements HealthCheck {

    static final String NAME = "stack-leases";

    private final StackLeases leases;

    LeaseCheck(StackLeases leases) {
        this.leases = leases;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named(NAME).withData("enabled", leases.enabled());
        if (!leases.enabled()) {
            return response.up().build();
        }
        response.withData("holder", leases.instance());
        return leases.caughtUpRecently()
                ? response.up().build()
                : response.down().build();
    }
}
