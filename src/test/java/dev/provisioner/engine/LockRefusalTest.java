package dev.provisioner.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The locks named in the CLI's refusal of a locked stack, as v3.259.0 words it on the postgres:// backend. */
class LockRefusalTest {

    /** Printed by `pulumi refresh` on a stack with a lock row left by a CLI on pod-a (credentials masked by it). */
    private static final String REFUSAL = """
            code: 255
            stdout:\040
            stderr: error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end \
            or delete the lock file with `pulumi cancel`.
              postgres://****:****@127.0.0.1:55432/postgres/.pulumi/locks/organization/pgp/dev/abc.json\
            ?sslmode=disable: created by root@pod-a (pid 4242) at 2026-12-02T04:00:00Z
            """;

    @Test
    void eachLockIsReadFromTheRefusal() {
        assertThat(StackRecovery.parseLocks(REFUSAL))
                .containsExactly(new StackLock("abc.json", 4242, "pod-a", "root", "2026-12-02T04:00:00Z"));
    }

    @Test
    void aFileBackendsLockToo() {
        String refusal = "  file:///tmp/state/.pulumi/locks/organization/p/s/0b1c.json: created by app@host-1 (pid 7)"
                + " at 2026-12-02T04:00:00.1+00:00\n";
        assertThat(StackRecovery.parseLocks(refusal))
                .containsExactly(new StackLock("0b1c.json", 7, "host-1", "app", "2026-12-02T04:00:00.1+00:00"));
    }
}
