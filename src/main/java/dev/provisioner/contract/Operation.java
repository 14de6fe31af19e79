package dev.provisioner.contract;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/** What a request asks the engine to do to a stack. */
public enum Operation {
    UP,
    DESTROY,
    PREVIEW,
    REFRESH;

    /** The name used in messages and by the CLI: {@code up}, {@code destroy}, … */
    @JsonValue
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Reads the message name; anything else is refused with the names that are accepted. */
    @JsonCreator
    public static Operation of(String name) {
        return Arrays.stream(values())
                .filter(op -> op.cliName().equals(name))
                .findFirst()
                .orElseThrow(
                        () -> new IllegalArgumentException("operation must be one of up, destroy, preview, refresh"));
    }
}
