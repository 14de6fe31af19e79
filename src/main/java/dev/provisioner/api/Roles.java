package dev.provisioner.api;

/** The roles the REST API asks of a caller, from the {@code groups} claim of its bearer token. */
public final class Roles {

    /** May submit and cancel requests. */
    public static final String SUBMIT = "provisioner-submit";

    /** May read requests, their event streams, stack histories and audit verifications. */
    public static final String READ = "provisioner-read";

    private Roles() {}
}
