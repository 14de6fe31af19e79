package dev.provisioner.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The published JSON Schemas of the service's messages ({@code src/main/resources/schemas/}). */
public final class Schemas {

    public static final String REQUEST = "provisioning-request";
    public static final String COMPLETION = "completion";
    public static final String AUDIT_RECORD = "audit-record";

    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final Map<String, JsonSchema> LOADED = new ConcurrentHashMap<>();

    private Schemas() {}

    /** What is wrong with {@code message} by the schema {@code name}; empty when it is valid. */
    public static Set<ValidationMessage> validate(String name, JsonNode message) {
        return LOADED.computeIfAbsent(name, Schemas::load).validate(message);
    }

    public static void assertValid(String name, JsonNode message) {
        assertThat(validate(name, message))
                .as("%s by the %s schema", message, name)
                .isEmpty();
    }

    /** The schema {@code name} as JSON, to read its keywords. */
    public static JsonNode source(String name) {
        try (InputStream in = Schemas.class.getResourceAsStream("/schemas/" + name + ".schema.json")) {
            if (in == null) {
                throw new IllegalArgumentException("no schema " + name);
            }
            return Requests.JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonSchema load(String name) {
        return FACTORY.getSchema(source(name));
    }
}
