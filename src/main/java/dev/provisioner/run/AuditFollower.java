package dev.provisioner.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioner.audit.AuditSink;
import dev.provisioner.event.EngineEvents;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Follows the requests other replicas run from their audit records, into the {@link RunJournal}: {@code
 * accepted} (queued), {@code started} (running), every engine event, and the record that ends the attempt. The
 * completion itself comes from the completions topic. Records of this replica's own attempts are skipped by
 * their {@code ce_id} before their payload is read; a record that cannot be read is logged and skipped.
 */
@ApplicationScoped
public class AuditFollower {

    private static final Logger LOG = Logger.getLogger(AuditFollower.class);

    /** Lifecycle phases that end an attempt's trail ({@code AuditSink}'s checkpoints but {@code rejected}). */
    private static final Set<String> ENDS = Set.of("completed", "redelivered", "cancelled");

    private final RunJournal journal;
    private final ObjectMapper mapper;
    private final Clock clock;

    public AuditFollower(RunJournal journal, ObjectMapper mapper, Clock clock) {
        this.journal = journal;
        this.mapper = mapper;
        this.clock = clock;
    }

    /**
     * One audit record, by its CloudEvents headers and value.
     *
     * @param id {@code ce_id}: {@code <requestId>:<attempt>:engine:<sequence>}, {@code
     *     <requestId>:<attempt>:<phase>} or {@code <requestId>:rejected}
     */
    public void follow(String id, String type, String time, String value) {
        if (id == null || type == null || !type.startsWith(AuditSink.TYPE_PREFIX)) {
            return;
        }
        String[] parts = id.split(":", 3);
        if (parts.length < 3 || journal.ranHere(parts[0], parts[1])) {
            return; // a rejection (no attempt), or this replica's own
        }
        JsonNode record;
        try {
            record = mapper.readTree(value == null ? "" : value);
        } catch (JsonProcessingException e) {
            LOG.warnf("audit record %s skipped: not JSON", id);
            return;
        }
        if (record == null || !record.path("requestId").isTextual()) {
            return;
        }
        var remote = new RemoteRun(
                record.path("requestId").asText(),
                record.path("attempt").asText(parts[1]),
                record.path("requestedBy").asText(null),
                record.path("operation").asText(null),
                record.path("project").asText(null),
                record.path("stack").asText(null));
        if (type.startsWith(AuditSink.LIFECYCLE_PREFIX)) {
            String phase = type.substring(AuditSink.LIFECYCLE_PREFIX.length());
            if (phase.equals("accepted")) {
                journal.acceptedElsewhere(remote, instant(time));
            } else if (phase.equals("started")) {
                journal.startedElsewhere(remote, instant(time));
            } else if (ENDS.contains(phase)) {
                journal.endedElsewhere(remote);
            }
        } else if (record.get("event") instanceof ObjectNode event) {
            journal.eventElsewhere(remote, EngineEvents.of(event));
        }
    }

    private Instant instant(String time) {
        try {
            return time == null ? clock.instant() : Instant.parse(time);
        } catch (DateTimeParseException e) {
            return clock.instant();
        }
    }
}
