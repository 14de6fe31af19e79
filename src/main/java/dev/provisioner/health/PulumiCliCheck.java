package dev.provisioner.health;

import com.pulumi.automation.AutomationException;
import dev.provisioner.engine.ConfiguredCli;
import dev.provisioner.engine.EngineConfig;
import dev.provisioner.engine.PulumiCli;
import jakarta.inject.Singleton;
import java.time.Clock;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when the configured Pulumi CLI runs and reports {@code provisioner.engine.cli-version}: the engine
 * adapter's flags and event model are tested against that version only.
 */
@Readiness
@Singleton
final class PulumiCliCheck implements HealthCheck {

    static final String NAME = "pulumi-cli";

    private final CachedResponse response;

    PulumiCliCheck(ConfiguredCli cli, EngineConfig config, Clock clock) {
        this.response = new CachedResponse(clock, () -> check(cli, config.cliVersion()));
    }

    @Override
    public HealthCheckResponse call() {
        return response.get();
    }

    private static HealthCheckResponse check(ConfiguredCli configured, String expected) {
        var response = HealthCheckResponse.named(NAME).withData("expected", expected);
        try {
            PulumiCli cli = configured.get();
            String version = cli.version().toString();
            return response.withData("binary", cli.binary())
                    .withData("version", version)
                    .status(version.equals(expected))
                    .build();
        } catch (AutomationException e) {
            return response.down().withData("error", e.getMessage()).build();
        }
    }
}
