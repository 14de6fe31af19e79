package dev.provisioner;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/** The service's one source of time, so that tests and benchmarks can hold it. */
final class Clocks {

    private Clocks() {}

    @Produces
    @Singleton
    static Clock clock() {
        return Clock.systemUTC();
    }
}
