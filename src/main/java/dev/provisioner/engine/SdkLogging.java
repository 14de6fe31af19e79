package dev.provisioner.engine;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;

/**
 * The Pulumi SDK turns every root log handler down to SEVERE the first time a program runs in the JVM
 * ({@code com.pulumi.core.internal.GlobalLogging}), which would silence the service's own logs.
 */
final class SdkLogging {

    private SdkLogging() {}

    /** Lets the SDK do it now, once, and puts the levels back: call before the first program runs. */
    static void keepServiceLevels() {
        Handler[] handlers = LogManager.getLogManager().getLogger("").getHandlers();
        Level[] levels = new Level[handlers.length];
        for (int i = 0; i < handlers.length; i++) {
            levels[i] = handlers[i].getLevel();
        }
        try {
            Class.forName("com.pulumi.core.internal.GlobalLogging", true, SdkLogging.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return;
        }
        for (int i = 0; i < handlers.length; i++) {
            handlers[i].setLevel(levels[i]);
        }
    }
}
