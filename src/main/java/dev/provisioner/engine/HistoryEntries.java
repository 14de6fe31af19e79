package dev.provisioner.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.pulumi.automation.AutomationException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads {@code pulumi stack history --json}. */
final class HistoryEntries {

    private HistoryEntries() {}

    static List<HistoryEntry> parse(ObjectMapper mapper, String json) throws AutomationException {
        if (json.isBlank()) {
            return List.of();
        }
        JsonNode updates;
        try {
            updates = mapper.readTree(json);
        } catch (JsonProcessingException e) {
            throw new AutomationException(
                    "`pulumi stack history --json` printed no JSON: " + e.getOriginalMessage(), e);
        }
        List<HistoryEntry> entries = new ArrayList<>();
        for (JsonNode u : updates) {
            Map<String, Integer> changes = new LinkedHashMap<>();
            u.path("resourceChanges")
                    .fields()
                    .forEachRemaining(e -> changes.put(e.getKey(), e.getValue().asInt()));
            entries.add(new HistoryEntry(
                    u.path("version").asLong(),
                    u.path("kind").asText(),
                    u.path("message").asText(),
                    u.path("result").asText(),
                    instant(u.path("startTime").asText(null)),
                    instant(u.path("endTime").asText(null)),
                    changes));
        }
        return entries;
    }

    private static Instant instant(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
