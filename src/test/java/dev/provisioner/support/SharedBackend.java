package dev.provisioner.support;

import java.util.List;
import java.util.Map;

/** A Pulumi DIY state backend that every replica of a {@link Fleet} shares, started by the tests. */
public interface SharedBackend extends AutoCloseable {

    /** {@code provisioner.engine.backend-url}, as the replicas get it. */
    String backendUrl();

    /** What the CLI needs in its environment besides the URL (credentials). */
    Map<String, String> environment();

    /** The locks of {@code project/stack}: one per update under way, or left behind by a dead one. */
    List<String> locks(String project, String stack);

    @Override
    void close();
}
