package dev.provisioner.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * A request to run one operation on one stack (topic {@code provisioning.requests}, JSON, key
 * {@code project/stack}). Schema: {@code schemas/provisioning-request.schema.json}.
 *
 * @param requestId the idempotency key, unique per request
 * @param operation {@code up}, {@code destroy}, {@code preview} or {@code refresh}
 * @param project the Pulumi project; {@code [A-Za-z0-9._-]}, it becomes a path and a URN part
 * @param stack the stack; same rules as {@code project}
 * @param program a name in the program catalog
 * @param config plain stack configuration
 * @param secretConfig configuration stored as Pulumi secrets, masked everywhere else
 * @param requestedBy the actor who asked
 * @param otel where the run's OpenTelemetry log records go; without it no records are exported
 * @param timeoutSeconds cancels the run when it lasts longer; the service default when absent
 * @param programDigest the digest the program must have ({@code sha256:} and 64 hex digits, as the completion
 *     of an earlier run says): the request is rejected, before anything runs, when the program has another
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProvisioningRequest(
        String requestId,
        Operation operation,
        String project,
        String stack,
        String program,
        Map<String, String> config,
        Map<String, String> secretConfig,
        String requestedBy,
        OtelTarget otel,
        Integer timeoutSeconds,
        String programDigest) {

    /** Sorted keys and map entries: equal requests serialize, and so hash, the same. */
    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    public ProvisioningRequest {
        config = config == null ? Map.of() : config;
        secretConfig = secretConfig == null ? Map.of() : secretConfig;
    }

    /**
     * The SHA-256 of this request in canonical JSON (keys sorted): two requests are the same request when
     * their fingerprints are equal.
     */
    public String fingerprint() {
        try {
            byte[] json = CANONICAL.writeValueAsBytes(this);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot fingerprint request " + requestId, e);
        }
    }

    /** The Kafka key of everything about this request: {@code project/stack}. */
    public String key() {
        return project + "/" + stack;
    }

    /**
     * The tenant of the run's OpenTelemetry log records.
     *
     * @param appCode the {@code appcode} resource attribute
     * @param authToken the {@code com.redhat.otel.auth_token} resource attribute and/or bearer token
     * @param index an optional {@code index} resource attribute
     * @param attributes extra resource attributes
     * @param endpoint an OTLP/HTTP base URL for this run's records instead of the service's; only one of
     *     {@code provisioner.otel.allowed-endpoints} is accepted
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OtelTarget(
            String appCode, String authToken, String index, Map<String, String> attributes, String endpoint) {
        public OtelTarget {
            attributes = attributes == null ? Map.of() : attributes;
        }

        @Override
        public String toString() {
            return "OtelTarget[appCode=" + appCode + ", authToken=****, index=" + index + ", attributes=" + attributes
                    + ", endpoint=" + endpoint + "]";
        }
    }

    @Override
    public String toString() {
        // Never print secret values, nor the token, whoever logs a request.
        return "ProvisioningRequest[requestId=" + requestId + ", operation=" + operation + ", key=" + key()
                + ", program=" + program + ", requestedBy=" + requestedBy + "]";
    }
}
