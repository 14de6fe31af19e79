package dev.provisioner.demo;

import com.pulumi.Context;
import com.pulumi.core.Output;
import com.pulumi.resources.ComponentResource;
import com.pulumi.resources.ComponentResourceOptions;
import com.pulumi.resources.CustomResourceOptions;
import com.pulumi.resources.Stash;
import com.pulumi.resources.StashArgs;
import dev.provisioner.engine.InlineProgram;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A component holding {@code count} (default 2) {@code pulumi:index:Stash} resources whose inputs are
 * {@code value-<i>} (default value {@code hello}). It needs no provider plugin, so it runs anywhere the
 * CLI does. Config {@code secret}, when set, comes back as a secret output.
 */
@Singleton
public final class StashDemoProgram implements InlineProgram {

    public static final String NAME = "stash-demo";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void define(Context ctx) {
        var config = ctx.config();
        int count = config.getInteger("count").orElse(2);
        String value = config.get("value").orElse("hello");
        var group = new StashGroup("demo", count, value);
        ctx.export("values", Output.all(group.values));
        ctx.export("count", Output.of(count));
        config.get("secret").ifPresent(secret -> ctx.export("secret", Output.ofSecret(secret)));
    }

    /** The component: one Stash per item, parented to it. */
    static final class StashGroup extends ComponentResource {
        final List<Output<Object>> values = new ArrayList<>();

        StashGroup(String name, int count, String value) {
            super("provisioner:demo:StashGroup", name, ComponentResourceOptions.Empty);
            for (int i = 0; i < count; i++) {
                var stash = new Stash(
                        name + "-" + i,
                        StashArgs.builder().input(value + "-" + i).build(),
                        CustomResourceOptions.builder().parent(this).build());
                values.add(stash.output());
            }
            registerOutputs(Map.of("count", Output.of(count)));
        }
    }
}
