package dev.provisioner.run;

import dev.provisioner.support.Fleet;
import dev.provisioner.support.S3Gateway;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link FailoverIT}'s takeover on an S3-compatible backend ({@code s3://}, path-style, on the Versity gateway):
 * the replica running an {@code up} is killed halfway; the other one recovers the lock object the dead CLI left
 * and completes the request once.
 */
class S3FailoverIT {

    private static Fleet fleet;

    @BeforeAll
    static void open() {
        fleet = Fleet.open("s3-failover", S3Gateway::start);
        fleet.start("pod-a", Map.of());
        fleet.start("pod-b", Map.of());
    }

    @AfterAll
    static void close() {
        fleet.close();
    }

    @Test
    void theOtherReplicaTakesTheStackOverOnS3() {
        FailoverIT.killAndTakeOver(fleet, "s3", "s3-failover", "half", 4);
    }
}
