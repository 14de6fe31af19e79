package dev.provisioner.demo;

import com.pulumi.Context;
import com.pulumi.resources.Stash;
import com.pulumi.resources.StashArgs;
import dev.provisioner.engine.InlineProgram;
import jakarta.inject.Singleton;

/**
 * Registers {@code count} (default 5) Stash resources, one every {@code delayMs} (default 1000): a run
 * that lasts long enough to be cancelled or timed out mid-way.
 */
@Singleton
public final class SlowDemoProgram implements InlineProgram {

    public static final String NAME = "slow-demo";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void define(Context ctx) {
        int count = ctx.config().getInteger("count").orElse(5);
        long delayMs = ctx.config().getInteger("delayMs").orElse(1000);
        for (int i = 0; i < count; i++) {
            new Stash("slow-" + i, StashArgs.builder().input("step-" + i).build());
            try {
                Thread.sleep(delayMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("slow-demo interrupted", e);
            }
        }
    }
}
