package dev.provisioner.support;

import io.smallrye.jwt.build.Jwt;
import java.util.Set;

/**
 * Bearer tokens for the REST API, signed with the test-only key ({@code src/test/resources/jwt}) as the
 * identity provider would sign them.
 */
public final class Tokens {

    public static final String ISSUER = "https://provisioner.test";
    /** The requester of {@link Requests#request}'s requests: the API takes requests in the caller's name only. */
    public static final String SUBMITTER = "alice@example.com";

    public static final String READER = "rita@example.com";

    private Tokens() {}

    /** A token that may submit and cancel requests. */
    public static String submitter() {
        return of(SUBMITTER, "provisioner-submit");
    }

    /** A token that may read requests, event streams and histories. */
    public static String reader() {
        return of(READER, "provisioner-read");
    }

    /** A token for {@code user} with exactly {@code roles}. */
    public static String of(String user, String... roles) {
        return Jwt.issuer(ISSUER).upn(user).groups(Set.of(roles)).sign();
    }
}
