package dev.provisioner.engine;

import java.util.Locale;

/** What a request asks the engine to do to a stack. */
public enum Operation {
    UP,
    DESTROY,
    PREVIEW,
    REFRESH;

    /** The name used in messages and by the CLI: {@code up}, {@code destroy}, … */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
