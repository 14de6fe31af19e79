package dev.provisioner.request;

import static dev.provisioner.contract.RequestRules.ATTRIBUTE_KEY;
import static dev.provisioner.contract.RequestRules.CONFIG_KEY;
import static dev.provisioner.contract.RequestRules.CONTROL;
import static dev.provisioner.contract.RequestRules.LABEL;
import static dev.provisioner.contract.RequestRules.MAX_ACTOR_CHARS;
import static dev.provisioner.contract.RequestRules.MAX_ATTRIBUTES;
import static dev.provisioner.contract.RequestRules.MAX_ATTRIBUTE_VALUE_CHARS;
import static dev.provisioner.contract.RequestRules.MAX_CONFIG_ENTRIES;
import static dev.provisioner.contract.RequestRules.MAX_CONFIG_VALUE_CHARS;
import static dev.provisioner.contract.RequestRules.MAX_ENDPOINT_CHARS;
import static dev.provisioner.contract.RequestRules.MAX_NESTING;
import static dev.provisioner.contract.RequestRules.MAX_REQUEST_BYTES;
import static dev.provisioner.contract.RequestRules.MAX_TIMEOUT_SECONDS;
import static dev.provisioner.contract.RequestRules.MAX_TOKEN_CHARS;
import static dev.provisioner.contract.RequestRules.PROGRAM_DIGEST;
import static dev.provisioner.contract.RequestRules.REQUEST_ID;
import static dev.provisioner.contract.RequestRules.TOKEN;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.provisioner.contract.Operation;
import dev.provisioner.contract.ProvisioningRequest;
import dev.provisioner.contract.RequestRules;
import dev.provisioner.contract.StackNames;
import dev.provisioner.contract.Utf8;
import dev.provisioner.engine.PreparedProgram;
import dev.provisioner.engine.ProgramCatalog;
import dev.provisioner.telemetry.OtelConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Turns a request payload into a {@link ProvisioningRequest}, or says in one line everything that is
 * wrong with it. Strict on purpose: names become paths and URNs, values reach a shell-less CLI and the
 * audit trail, so unknown fields, duplicate keys, coerced types and oversized values are refused.
 * Reasons never quote the token or a secret value.
 */
@ApplicationScoped
public class RequestParser {

    static final int MAX_REASON_CHARS = 4096;

    private static final Set<String> OPERATIONS =
            Arrays.stream(Operation.values()).map(Operation::cliName).collect(Collectors.toUnmodifiableSet());

    private final ObjectMapper strict;
    private final ProgramCatalog catalog;
    private final Set<String> allowedEndpoints;

    public RequestParser(ObjectMapper mapper, ProgramCatalog catalog, OtelConfig otel) {
        this.catalog = catalog;
        this.allowedEndpoints = otel.allowedEndpoints().orElse(List.of()).stream()
                .map(RequestParser::withoutTrailingSlash)
                .collect(Collectors.toUnmodifiableSet());
        this.strict = JsonMapper.builder(mapper.getFactory()
                        .copy()
                        .setStreamReadConstraints(StreamReadConstraints.builder()
                                .maxNestingDepth(MAX_NESTING)
                                .maxStringLength(MAX_REQUEST_BYTES)
                                .build()))
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .withCoercionConfigDefaults(c -> c.setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
                // ALLOW_COERCION_OF_SCALARS leaves numbers and booleans read as strings: {"count": 3} was
                // taken as "3". Text is text.
                .withCoercionConfig(
                        LogicalType.Textual,
                        c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .build();
    }

    /**
     * Reads and validates one payload.
     *
     * @throws RequestRejectedException with every reason the request cannot run
     */
    public ProvisioningRequest parse(String payload) throws RequestRejectedException {
        try {
            return read(payload);
        } catch (RuntimeException e) {
            // A payload this parser did not foresee must not stop the intake: it is refused like any other.
            throw new RequestRejectedException(
                    "the request could not be read (" + e.getClass().getSimpleName() + ")",
                    RequestRejectedException.Readable.NONE);
        }
    }

    /**
     * Reads and validates one record of the requests topic: its payload, and its key, which must be the
     * request's {@code project/stack}.
     *
     * @throws RequestRejectedException with every reason the request cannot run
     */
    public ProvisioningRequest parse(String key, String payload) throws RequestRejectedException {
        ProvisioningRequest request = parse(payload);
        if (!request.key().equals(key)) {
            throw new RequestRejectedException(
                    "the record key must be project/stack ('" + request.key()
                            + "'): requests for one stack keep their order only when they share a key",
                    new RequestRejectedException.Readable(
                            request.requestId(), request.operation().cliName(), request.project(), request.stack()));
        }
        return request;
    }

    /**
     * The request's program, made ready for its run ({@link ProgramCatalog#prepare}) and identified by what will
     * run.
     *
     * @throws RequestRejectedException when the program is no longer in the catalog or cannot be copied, or when
     *     its digest is not the one the request pins
     */
    public PreparedProgram program(ProvisioningRequest request) throws RequestRejectedException {
        var readable = new RequestRejectedException.Readable(
                request.requestId(), request.operation().cliName(), request.project(), request.stack());
        PreparedProgram program;
        try {
            program = catalog.prepare(request.program(), request.project(), request.stack());
        } catch (IOException e) {
            throw new RequestRejectedException(
                    "program '" + request.program() + "' cannot be made ready to run: " + e.getMessage(), readable);
        }
        if (request.programDigest() != null && !request.programDigest().equals(program.digest())) {
            throw new RequestRejectedException(
                    "program '" + request.program() + "' is " + program.digest() + ", not the "
                            + request.programDigest() + " the request pins (programDigest)",
                    readable);
        }
        return program;
    }

    private ProvisioningRequest read(String payload) throws RequestRejectedException {
        if (payload == null || payload.isBlank()) {
            throw new RequestRejectedException("the request is empty", RequestRejectedException.Readable.NONE);
        }
        long bytes = Utf8.length(payload);
        if (bytes > MAX_REQUEST_BYTES) {
            throw new RequestRejectedException(
                    "the request has " + bytes + " bytes; at most " + MAX_REQUEST_BYTES + " are accepted",
                    RequestRejectedException.Readable.NONE);
        }
        JsonNode tree;
        try {
            tree = strict.readTree(payload);
        } catch (JsonProcessingException e) {
            throw new RequestRejectedException(
                    "the request is not valid JSON: " + PayloadText.describe(e),
                    RequestRejectedException.Readable.NONE);
        }
        var readable = readable(tree);
        if (!tree.isObject()) {
            throw new RequestRejectedException("the request must be a JSON object", readable);
        }
        // Jackson would take 1.5 as 1. An integer is a number without a fraction, 1.0 included, as in the schema.
        JsonNode timeout = tree.path("timeoutSeconds");
        if (timeout.isFloatingPointNumber() && !timeout.canConvertToExactIntegral()) {
            throw new RequestRejectedException("timeoutSeconds must be a whole number of seconds", readable);
        }
        ProvisioningRequest request;
        try {
            request = strict.treeToValue(tree, ProvisioningRequest.class);
        } catch (JsonProcessingException e) {
            throw new RequestRejectedException(PayloadText.describe(e), readable);
        }
        List<String> problems = check(request);
        if (!problems.isEmpty()) {
            throw new RequestRejectedException(reason(problems), readable);
        }
        return request;
    }

    /** Every problem, up to a length that a Kafka header and a log line carry well. */
    private static String reason(List<String> problems) {
        StringBuilder reason = new StringBuilder();
        for (int i = 0; i < problems.size(); i++) {
            if (reason.length() + problems.get(i).length() > MAX_REASON_CHARS) {
                return reason.append("; and ")
                        .append(problems.size() - i)
                        .append(" more")
                        .toString();
            }
            reason.append(i == 0 ? "" : "; ").append(problems.get(i));
        }
        return reason.toString();
    }

    private List<String> check(ProvisioningRequest r) {
        List<String> problems = new ArrayList<>();
        if (r.requestId() == null) {
            problems.add("requestId is required");
        } else if (!REQUEST_ID.matcher(r.requestId()).matches()) {
            problems.add("requestId must be 1 to 128 characters of [A-Za-z0-9._:-]");
        }
        if (r.operation() == null) {
            problems.add("operation is required (up, destroy, preview or refresh)");
        }
        checkName(problems, "project", r.project());
        checkName(problems, "stack", r.stack());
        if (r.program() == null) {
            problems.add("program is required");
        } else if (catalog.find(r.program()).isEmpty()) {
            problems.add("program '" + PayloadText.quoted(r.program()) + "' is not in the catalog " + catalog.names());
        }
        if (r.programDigest() != null
                && !PROGRAM_DIGEST.matcher(r.programDigest()).matches()) {
            problems.add("programDigest must be sha256: and 64 lowercase hex digits");
        }
        checkConfig(problems, r.config(), r.secretConfig());
        if (r.program() != null) {
            Set<String> serviceKeys = new TreeSet<>(catalog.credentialConfigKeys(r.program()));
            serviceKeys.retainAll(union(r.config().keySet(), r.secretConfig().keySet()));
            if (!serviceKeys.isEmpty()) {
                problems.add("config keys " + serviceKeys + " are set by the service for program '" + r.program()
                        + "' (its credentials)");
            }
        }
        if (r.requestedBy() == null || r.requestedBy().isBlank()) {
            problems.add("requestedBy is required");
        } else if (RequestRules.length(r.requestedBy()) > MAX_ACTOR_CHARS
                || CONTROL.matcher(r.requestedBy()).find()) {
            problems.add("requestedBy must have at most " + MAX_ACTOR_CHARS + " characters and no control characters");
        }
        if (r.otel() != null) {
            checkOtel(problems, r.otel());
        }
        if (r.timeoutSeconds() != null && (r.timeoutSeconds() < 1 || r.timeoutSeconds() > MAX_TIMEOUT_SECONDS)) {
            problems.add("timeoutSeconds must be between 1 and " + MAX_TIMEOUT_SECONDS);
        }
        return problems;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return all;
    }

    private static void checkName(List<String> problems, String field, String value) {
        if (value == null) {
            problems.add(field + " is required");
        } else if (!StackNames.isValid(value)) {
            problems.add(field + " must be 1 to " + StackNames.MAX_LENGTH
                    + " characters of [A-Za-z0-9._-], not start with '.' or '-', and not contain '..'");
        }
    }

    private static void checkConfig(List<String> problems, Map<String, String> config, Map<String, String> secrets) {
        if (config.size() + secrets.size() > MAX_CONFIG_ENTRIES) {
            problems.add("config and secretConfig may hold at most " + MAX_CONFIG_ENTRIES + " keys together");
            return;
        }
        checkEntries(problems, "config", config);
        checkEntries(problems, "secretConfig", secrets);
        Set<String> both = config.keySet().stream().filter(secrets::containsKey).collect(Collectors.toSet());
        if (!both.isEmpty()) {
            problems.add("keys " + both + " are in both config and secretConfig");
        }
    }

    private static void checkEntries(List<String> problems, String field, Map<String, String> entries) {
        for (var e : entries.entrySet()) {
            if (!CONFIG_KEY.matcher(e.getKey()).matches()) {
                problems.add(field + " key '" + PayloadText.quoted(e.getKey())
                        + "' must be 1 to 128 characters of [A-Za-z0-9_.:-]");
            } else if (e.getValue() == null) {
                problems.add(field + "." + e.getKey() + " must be a string");
            } else if (RequestRules.length(e.getValue()) > MAX_CONFIG_VALUE_CHARS) {
                problems.add(field + "." + e.getKey() + " has more than " + MAX_CONFIG_VALUE_CHARS + " characters");
            }
        }
    }

    private void checkOtel(List<String> problems, ProvisioningRequest.OtelTarget otel) {
        if (otel.appCode() == null || !LABEL.matcher(otel.appCode()).matches()) {
            problems.add("otel.appCode is required: 1 to 64 characters of [A-Za-z0-9._-]");
        }
        if (otel.authToken() == null || !TOKEN.matcher(otel.authToken()).matches()) {
            problems.add("otel.authToken is required: 1 to " + MAX_TOKEN_CHARS + " visible ASCII characters");
        }
        if (otel.index() != null && !LABEL.matcher(otel.index()).matches()) {
            problems.add("otel.index must be 1 to 64 characters of [A-Za-z0-9._-]");
        }
        if (otel.endpoint() != null) {
            checkEndpoint(problems, otel.endpoint());
        }
        if (otel.attributes().size() > MAX_ATTRIBUTES) {
            problems.add("otel.attributes may hold at most " + MAX_ATTRIBUTES + " entries");
            return;
        }
        for (var e : otel.attributes().entrySet()) {
            String key = e.getKey();
            if (!ATTRIBUTE_KEY.matcher(key).matches()) {
                problems.add("otel.attributes key '" + PayloadText.quoted(key)
                        + "' must be 1 to 128 characters of [A-Za-z0-9._-]");
            } else if (RequestRules.reserved(key)) {
                problems.add("otel.attributes may not set '" + key + "': the service sets it");
            } else if (e.getValue() == null
                    || RequestRules.length(e.getValue()) > MAX_ATTRIBUTE_VALUE_CHARS
                    || CONTROL.matcher(e.getValue()).find()) {
                problems.add("otel.attributes." + key + " must be a string of at most " + MAX_ATTRIBUTE_VALUE_CHARS
                        + " characters without control characters");
            }
        }
    }

    /** The fields of the payload that are valid on their own, and so safe to echo. */
    private static RequestRejectedException.Readable readable(JsonNode tree) {
        String id = tree.path("requestId").asText(null);
        String operation = tree.path("operation").asText(null);
        String project = tree.path("project").asText(null);
        String stack = tree.path("stack").asText(null);
        return new RequestRejectedException.Readable(
                id != null && REQUEST_ID.matcher(id).matches() ? id : null,
                operation != null && OPERATIONS.contains(operation) ? operation : null,
                StackNames.isValid(project) ? project : null,
                StackNames.isValid(stack) ? stack : null);
    }

    /** The token goes wherever the records go: only to an endpoint the service was told to trust. */
    private void checkEndpoint(List<String> problems, String endpoint) {
        if (RequestRules.length(endpoint) > MAX_ENDPOINT_CHARS
                || CONTROL.matcher(endpoint).find()) {
            problems.add("otel.endpoint must be a URL of at most " + MAX_ENDPOINT_CHARS
                    + " characters without control characters");
            return;
        }
        URI uri;
        try {
            uri = new URI(endpoint);
        } catch (URISyntaxException e) {
            uri = null;
        }
        String scheme =
                uri == null || uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https"))
                || uri.getHost() == null
                || uri.getRawUserInfo() != null
                || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            problems.add("otel.endpoint must be an http or https base URL without user info, query or fragment");
        } else if (!allowedEndpoints.contains(withoutTrailingSlash(endpoint))) {
            problems.add("otel.endpoint '" + PayloadText.quoted(endpoint)
                    + "' is not an allowed endpoint: the service's operators list them in"
                    + " provisioner.otel.allowed-endpoints");
        }
    }

    private static String withoutTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
