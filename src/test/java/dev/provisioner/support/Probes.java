package dev.provisioner.support;

/**
 * Where the service answers Kubernetes' probes: Quarkus' defaults. The health tests call them on the running
 * service, and the manifest test finds them in the Deployment, so the two cannot drift apart.
 */
public final class Probes {

    /** {@code quarkus.http.port}'s default; the service does not change it. */
    public static final int HTTP_PORT = 8080;

    public static final String LIVE = "/q/health/live";
    public static final String READY = "/q/health/ready";
    public static final String STARTED = "/q/health/started";
    public static final String METRICS = "/q/metrics";

    private Probes() {}
}
