package dev.provisioner;

/**
 * The service's messaging channels. The Kafka topics behind them are configuration
 * ({@code mp.messaging.*.<channel>.topic}); the defaults are {@code provisioning.requests},
 * {@code provisioning.completions}, {@code provisioning.audit} and {@code provisioning.requests.dlq}.
 */
public final class Channels {

    /** Provisioning requests, keyed {@code project/stack}. */
    public static final String REQUESTS = "requests";

    /** One completion per request, keyed {@code project/stack}. */
    public static final String COMPLETIONS = "completions";

    /** The audit trail: CloudEvents in binary mode, keyed {@code project/stack}. */
    public static final String AUDIT = "audit";

    /**
     * Cancellations of provisioning requests ({@code provisioning.cancellations}); every replica reads all
     * of them.
     */
    public static final String CANCELLATIONS = "cancellations";

    /** Requests that were rejected, with the reason in the {@link #REASON_HEADER} header. */
    public static final String DEAD_LETTERS = "dead-letters";

    /** The header that carries the request id on completions and dead letters. */
    public static final String REQUEST_ID_HEADER = "provisioner-request-id";

    /** The header that says why a request was rejected (SmallRye's dead-letter name). */
    public static final String REASON_HEADER = "dead-letter-reason";

    private Channels() {}
}
