package dev.provisioner.engine;

import com.pulumi.Context;

/**
 * A Pulumi program written in Java, run inside the service. Each CDI bean of this type is in the
 * program catalog under its {@link #name()}.
 */
public interface InlineProgram {

    /** The name requests use to ask for this program. */
    String name();

    /** Declares the stack's resources and outputs; reads its settings from {@code ctx.config()}. */
    void define(Context ctx);
}
