package dev.provisioner.demo;

import com.pulumi.Context;
import com.pulumi.resources.Stash;
import com.pulumi.resources.StashArgs;
import dev.provisioner.engine.InlineProgram;
import jakarta.inject.Singleton;

/** Creates one Stash, then fails: the program that shows what a failed run looks like end to end. */
@Singleton
public final class FailingDemoProgram implements InlineProgram {

    public static final String NAME = "fail-demo";

    /** The message the program fails with. */
    public static final String FAILURE = "fail-demo failed on purpose";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void define(Context ctx) {
        new Stash("before-failure", StashArgs.builder().input("created").build());
        throw new IllegalStateException(FAILURE);
    }
}
