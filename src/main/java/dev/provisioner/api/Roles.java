package dev.provisioner.api;

/** The roles the REST API asks of a caller, from the {@code groups} claim of its bearer token. */
public final class Roles {

    /** May submit and cancel requests. */
    public static final String SUBMIT = "provisioner-submit";

    /** May read requests, their event streams, stack histories and audit verifications. */
    public static final String READ = "provisioner-read";

    /** May read a finished request's outputs with its secrets in the clear; each read is audited. */
    public static final String SECRETS = "provisioner-secrets";

    private Roles() {}
}
