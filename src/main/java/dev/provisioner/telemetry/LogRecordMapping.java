package dev.provisioner.telemetry;

import dev.provisioner.event.EngineEvent;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.LogRecordBuilder;
import io.opentelemetry.api.logs.Severity;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** How an engine event reads as an OpenTelemetry log record. */
final class LogRecordMapping {

    static final String EVENT_NAME_PREFIX = "pulumi.";

    static final AttributeKey<Long> SEQUENCE = AttributeKey.longKey("pulumi.sequence");
    static final AttributeKey<String> URN = AttributeKey.stringKey("pulumi.urn");
    static final AttributeKey<String> TYPE = AttributeKey.stringKey("pulumi.type");
    static final AttributeKey<String> OP = AttributeKey.stringKey("pulumi.op");
    static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("pulumi.provider");
    static final AttributeKey<List<String>> DIFFS = AttributeKey.stringArrayKey("pulumi.diffs");
    static final AttributeKey<String> SEVERITY = AttributeKey.stringKey("pulumi.severity");
    static final AttributeKey<String> SUMMARY_RESULT = AttributeKey.stringKey("pulumi.summary.result");
    static final AttributeKey<Long> DURATION_SECONDS = AttributeKey.longKey("pulumi.summary.duration_s");
    static final String RESOURCE_CHANGES_PREFIX = "pulumi.resource_changes.";
    static final AttributeKey<String> POLICY_PACK = AttributeKey.stringKey("pulumi.policy.pack");
    static final AttributeKey<String> POLICY_PACK_VERSION = AttributeKey.stringKey("pulumi.policy.pack_version");
    static final AttributeKey<String> POLICY_NAME = AttributeKey.stringKey("pulumi.policy.name");
    static final AttributeKey<String> POLICY_ENFORCEMENT = AttributeKey.stringKey("pulumi.policy.enforcement_level");
    static final AttributeKey<String> POLICY_SEVERITY = AttributeKey.stringKey("pulumi.policy.severity");
    static final AttributeKey<String> PROGRESS_TYPE = AttributeKey.stringKey("pulumi.progress.type");
    static final AttributeKey<String> PROGRESS_ID = AttributeKey.stringKey("pulumi.progress.id");
    static final AttributeKey<Long> PROGRESS_RECEIVED = AttributeKey.longKey("pulumi.progress.received");
    static final AttributeKey<Long> PROGRESS_TOTAL = AttributeKey.longKey("pulumi.progress.total");
    static final AttributeKey<Boolean> PROGRESS_DONE = AttributeKey.booleanKey("pulumi.progress.done");
    static final AttributeKey<String> EVENT_JSON = AttributeKey.stringKey("pulumi.event");
    static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("provisioner.request.id");
    static final AttributeKey<String> ACTOR = AttributeKey.stringKey("enduser.id");

    private LogRecordMapping() {}

    /** The attributes every record of a run carries. */
    static Attributes runAttributes(String requestId, String actor) {
        return Attributes.of(REQUEST_ID, requestId, ACTOR, actor);
    }

    /** Fills {@code record} from {@code event}; the caller emits it. */
    static LogRecordBuilder map(EngineEvent event, LogRecordBuilder record, Attributes run, Instant observed) {
        record.setEventName(EVENT_NAME_PREFIX + event.name())
                .setTimestamp(event.timestamp(), TimeUnit.SECONDS)
                .setObservedTimestamp(observed)
                .setAllAttributes(run)
                .setAttribute(SEQUENCE, event.sequence());
        if (event instanceof EngineEvent.ResourcePre e) {
            step(record, e.metadata(), Severity.INFO, "");
        } else if (event instanceof EngineEvent.ResourceOutputs e) {
            step(record, e.metadata(), Severity.INFO, " done");
        } else if (event instanceof EngineEvent.ResourceOperationFailed e) {
            step(record, e.metadata(), Severity.ERROR, " failed");
        } else if (event instanceof EngineEvent.Diagnostic e) {
            record.setSeverity(diagnosticSeverity(e.severity()))
                    .setSeverityText(e.severity())
                    .setAttribute(SEVERITY, e.severity())
                    .setBody(e.message().strip());
            setIfPresent(record, URN, e.urn());
        } else if (event instanceof EngineEvent.Summary e) {
            Severity severity = switch (e.result()) {
                case "succeeded" -> Severity.INFO;
                case "canceled" -> Severity.WARN;
                default -> Severity.ERROR;
            };
            record.setSeverity(severity)
                    .setAttribute(SUMMARY_RESULT, e.result())
                    .setAttribute(DURATION_SECONDS, e.durationSeconds())
                    .setBody(e.result() + (e.resourceChanges().isEmpty() ? "" : ": " + changes(e.resourceChanges())));
            e.resourceChanges().forEach((op, n) -> record.setAttribute(RESOURCE_CHANGES_PREFIX + op, (long) n));
        } else if (event instanceof EngineEvent.Prelude e) {
            record.setSeverity(Severity.INFO)
                    .setBody("configuration: " + String.join(", ", e.config().keySet()));
        } else if (event instanceof EngineEvent.StandardOutput e) {
            record.setSeverity(Severity.INFO).setBody(e.message().strip());
        } else if (event instanceof EngineEvent.Policy e) {
            policy(record, e);
        } else if (event instanceof EngineEvent.Progress e) {
            progress(record, e);
        } else if (event instanceof EngineEvent.Error e) {
            record.setSeverity(Severity.ERROR).setBody(e.error());
        } else if (event instanceof EngineEvent.Cancel) {
            record.setSeverity(Severity.INFO).setBody("end of the engine's events");
        } else {
            // A kind this service does not know yet: the record carries it whole.
            record.setSeverity(Severity.INFO)
                    .setBody(event.kind())
                    .setAttribute(EVENT_JSON, event.json().toString());
        }
        return record;
    }

    private static void step(LogRecordBuilder record, EngineEvent.StepMetadata m, Severity severity, String outcome) {
        record.setSeverity(severity)
                .setBody(m.op() + " " + m.type() + " " + resourceName(m.urn()) + outcome)
                .setAttribute(URN, m.urn())
                .setAttribute(TYPE, m.type())
                .setAttribute(OP, m.op());
        setIfPresent(record, PROVIDER, m.provider());
        if (!m.diffs().isEmpty()) {
            record.setAttribute(DIFFS, m.diffs());
        }
    }

    /** A mandatory violation fails the operation: an error; an advisory one is a warning. */
    private static void policy(LogRecordBuilder record, EngineEvent.Policy e) {
        record.setSeverity(e.mandatory() ? Severity.ERROR : Severity.WARN)
                .setBody(e.policyPackName() + "/" + e.policyName() + ": "
                        + e.message().strip())
                .setAttribute(POLICY_PACK, e.policyPackName())
                .setAttribute(POLICY_NAME, e.policyName())
                .setAttribute(POLICY_ENFORCEMENT, e.enforcementLevel());
        setIfPresent(record, POLICY_PACK_VERSION, e.policyPackVersion());
        setIfPresent(record, POLICY_SEVERITY, e.severity());
        // Empty for a policy on the whole stack.
        setIfPresent(record, URN, e.resourceUrn());
    }

    /** E.g. {@code Downloading plugin aws-6.0.0 (32768/98675)}, then {@code … (done)}. */
    private static void progress(LogRecordBuilder record, EngineEvent.Progress e) {
        String state = e.done() ? " (done)" : e.total() > 0 ? " (" + e.received() + "/" + e.total() + ")" : "";
        record.setSeverity(Severity.INFO)
                .setBody(e.message() + state)
                .setAttribute(PROGRESS_TYPE, e.type())
                .setAttribute(PROGRESS_ID, e.id())
                .setAttribute(PROGRESS_RECEIVED, e.received())
                .setAttribute(PROGRESS_TOTAL, e.total())
                .setAttribute(PROGRESS_DONE, e.done());
    }

    /** A field the engine left out or empty is no attribute. */
    private static void setIfPresent(LogRecordBuilder record, AttributeKey<String> key, String value) {
        if (!value.isEmpty()) {
            record.setAttribute(key, value);
        }
    }

    /** The name part of {@code urn:pulumi:<stack>::<project>::<type>::<name>}. */
    static String resourceName(String urn) {
        int at = urn.lastIndexOf("::");
        return at < 0 ? urn : urn.substring(at + 2);
    }

    static Severity diagnosticSeverity(String severity) {
        return switch (severity) {
            case "debug" -> Severity.DEBUG;
            case "warning" -> Severity.WARN;
            case "error" -> Severity.ERROR;
            default -> Severity.INFO;
        };
    }

    private static String changes(Map<String, Integer> changes) {
        return changes.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(", "));
    }
}
