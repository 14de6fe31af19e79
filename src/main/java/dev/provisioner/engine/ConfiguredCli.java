package dev.provisioner.engine;

import com.pulumi.automation.AutomationException;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

/** The CLI of {@code provisioner.engine.cli}, located on first use and kept once it has answered. */
@Singleton
public final class ConfiguredCli {

    private static final Logger LOG = Logger.getLogger(ConfiguredCli.class);

    private final EngineConfig config;
    private volatile PulumiCli located;

    ConfiguredCli(EngineConfig config) {
        this.config = config;
    }

    /**
     * The CLI every command of the service runs.
     *
     * @throws AutomationException if the configured binary is missing or unsupported; the next call asks again
     */
    public PulumiCli get() throws AutomationException {
        PulumiCli cli = located;
        if (cli == null) {
            synchronized (this) {
                if (located == null) {
                    located = PulumiCli.locate(config.cli());
                    LOG.infof("Pulumi CLI %s at %s", located.version(), located.binary());
                }
                cli = located;
            }
        }
        return cli;
    }
}
