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

    /** Requests submitted over the REST API, published to the requests topic for the intake to run. */
    public static final String SUBMITTED_REQUESTS = "submitted-requests";

    /** Cancellations asked for over the REST API, published to the cancellations topic. */
    public static final String SUBMITTED_CANCELLATIONS = "submitted-cancellations";

    /**
     * Every completion, read back by every replica (a group of its own), so that the REST API knows how
     * requests ended that another replica ran.
     */
    public static final String ALL_COMPLETIONS = "all-completions";

    /**
     * Every audit record, read back by every replica (a group of its own), so that the REST API follows
     * requests another replica runs while they run.
     */
    public static final String ALL_AUDIT = "all-audit";

    /** Requests that were rejected, with the reason in the {@link #REASON_HEADER} header. */
    public static final String DEAD_LETTERS = "dead-letters";

    /** The header that carries the request id on completions and dead letters. */
    public static final String REQUEST_ID_HEADER = "provisioner-request-id";

    /** The header that says why a request was rejected (SmallRye's dead-letter name). */
    public static final String REASON_HEADER = "dead-letter-reason";

    private Channels() {}
}
