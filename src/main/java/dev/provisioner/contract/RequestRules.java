package dev.provisioner.contract;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules of the request contract that are not the record's shape: limits, name patterns, reserved
 * attributes. Defined here once: {@code RequestParser} enforces them, the OTel sink relies on them, and
 * {@code RequestSchemaTest} checks that the published schema ({@code schemas/provisioning-request.schema.json})
 * says the same.
 */
public final class RequestRules {

    /** The largest payload read; larger ones are refused before parsing. */
    public static final int MAX_REQUEST_BYTES = 1024 * 1024;

    public static final int MAX_NESTING = 8;
    public static final int MAX_CONFIG_ENTRIES = 256;
    public static final int MAX_CONFIG_VALUE_CHARS = 64 * 1024;
    public static final int MAX_ATTRIBUTES = 32;
    public static final int MAX_ATTRIBUTE_VALUE_CHARS = 1024;
    public static final int MAX_TOKEN_CHARS = 4096;
    public static final int MAX_ACTOR_CHARS = 256;
    public static final int MAX_TIMEOUT_SECONDS = 24 * 60 * 60;
    public static final int MAX_ENDPOINT_CHARS = 2048;

    /** A request id: also part of every audit record's {@code ce_id}, so no {@code /} and no spaces. */
    public static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    /** A program's digest: {@code sha256:} and 64 lowercase hex digits. */
    public static final Pattern PROGRAM_DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    public static final Pattern CONFIG_KEY = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}");

    /** {@code otel.appCode} and {@code otel.index}. */
    public static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public static final Pattern ATTRIBUTE_KEY = Pattern.compile("[A-Za-z][A-Za-z0-9._-]{0,127}");

    /** Visible ASCII only: the token travels in an HTTP header. */
    public static final Pattern TOKEN = Pattern.compile("[\\x21-\\x7E]{1," + MAX_TOKEN_CHARS + "}");

    /**
     * Characters that must not reach a log line, a terminal or an audit UI from a payload: C0 and C1
     * controls (NUL, newlines, ANSI escapes in 7 and 8 bits), Unicode line separators and bidirectional
     * overrides and isolates.
     */
    public static final Pattern CONTROL =
            Pattern.compile("[\\x00-\\x1F\\x7F-\\x9F\\u2028\\u2029\\u202A-\\u202E\\u2066-\\u2069]");

    // The Resource attributes of a run's log records that the service sets from the request.
    public static final String APP_CODE_ATTRIBUTE = "appcode";
    public static final String AUTH_TOKEN_ATTRIBUTE = "com.redhat.otel.auth_token";
    public static final String PROJECT_ATTRIBUTE = "project-name";
    public static final String OPERATION_ATTRIBUTE = "operation";
    public static final String STACK_ATTRIBUTE = "stack";
    public static final String INDEX_ATTRIBUTE = "index";

    /** Resource attributes the service sets itself from the request; {@code otel.attributes} cannot set them. */
    public static final Set<String> RESERVED_ATTRIBUTES = Set.of(
            APP_CODE_ATTRIBUTE,
            AUTH_TOKEN_ATTRIBUTE,
            PROJECT_ATTRIBUTE,
            OPERATION_ATTRIBUTE,
            STACK_ATTRIBUTE,
            INDEX_ATTRIBUTE);

    /** The service's own resource attributes ({@code service.name}, …): reserved too. */
    public static final String RESERVED_ATTRIBUTE_PREFIX = "service.";

    private RequestRules() {}

    /** Whether {@code otel.attributes} may not set {@code key}. */
    public static boolean reserved(String key) {
        return RESERVED_ATTRIBUTES.contains(key) || key.startsWith(RESERVED_ATTRIBUTE_PREFIX);
    }

    /**
     * The length of {@code text} in characters as the limits above count them, and as the schema's
     * {@code maxLength} does: code points, so that a character outside the BMP counts once, not twice.
     */
    public static int length(String text) {
        return text.codePointCount(0, text.length());
    }

    /** Text from a payload fit for a log line: every {@link #CONTROL control character} is replaced by {@code ?}. */
    public static String printable(String text) {
        return text == null ? null : CONTROL.matcher(text).replaceAll("?");
    }
}
