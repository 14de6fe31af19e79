package dev.provisioner.engine;

import com.pulumi.automation.AutomationException;
import com.pulumi.automation.CommandResult;
import com.pulumi.automation.Version;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** The {@code pulumi} binary the service runs, and the version it reported. */
public record PulumiCli(String binary, Version version) {

    /** The oldest CLI whose event log the Automation API reads over gRPC. */
    private static final Version MINIMUM_VERSION = Version.of(3, 205, 1);

    private static final Duration VERSION_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Asks {@code binary version} and checks the answer.
     *
     * @throws AutomationException if the binary cannot run or is older than the service supports
     */
    public static PulumiCli locate(String binary) throws AutomationException {
        String output;
        try {
            CommandResult result =
                    CliProcess.of(binary, List.of("version")).start().await(VERSION_TIMEOUT);
            output = CliProcess.printed(result);
            if (result.code() != 0) {
                throw new AutomationException("`" + binary + " version` failed: " + output);
            }
        } catch (IOException e) {
            throw new AutomationException(
                    "cannot run the Pulumi CLI `" + binary + "` (set provisioner.engine.cli;"
                            + " deploy/install-pulumi.sh provides one): " + e.getMessage(),
                    e);
        }
        Version version = Version.tryParse(output.startsWith("v") ? output.substring(1) : output)
                .orElseThrow(() -> new AutomationException(
                        "`" + binary + " version` printed '" + output + "', not a version; build the CLI with"
                                + " the version stamped (deploy/install-pulumi.sh does)"));
        if (version.isLowerThan(MINIMUM_VERSION) || version.majorVersion() != MINIMUM_VERSION.majorVersion()) {
            throw new AutomationException(
                    "Pulumi CLI " + version + " at " + binary + " is not supported; need 3.x >= " + MINIMUM_VERSION);
        }
        return new PulumiCli(binary, version);
    }
}
