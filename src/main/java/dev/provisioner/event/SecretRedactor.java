package dev.provisioner.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Masks known secret values wherever they appear in an event's text. The engine already blinds secret
 * inputs and outputs, but its debug diagnostics and a program's own messages may still carry them.
 */
public final class SecretRedactor {

    /** What stands in for a secret value. */
    static final String MASK = "[secret]";

    /** Shorter values would mask unrelated text; they are not searched for. */
    static final int MIN_LENGTH = 4;

    private final List<String> secrets;

    public SecretRedactor(Collection<String> values) {
        // Longest first, so that a secret containing another is masked whole.
        this.secrets = values.stream()
                .filter(v -> v != null && v.length() >= MIN_LENGTH)
                .distinct()
                .sorted(Comparator.comparingInt(String::length).reversed())
                .toList();
    }

    public boolean isEmpty() {
        return secrets.isEmpty();
    }

    /** Masks in place and returns {@code node}. */
    public JsonNode redact(JsonNode node) {
        if (node instanceof ObjectNode object) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
                var field = fields.next();
                if (field.getValue().isTextual()) {
                    field.setValue(mask(field.getValue()));
                } else {
                    redact(field.getValue());
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                if (array.get(i).isTextual()) {
                    array.set(i, mask(array.get(i)));
                } else {
                    redact(array.get(i));
                }
            }
        }
        return node;
    }

    private JsonNode mask(JsonNode text) {
        String value = text.asText();
        String masked = redact(value);
        return masked.equals(value) ? text : TextNode.valueOf(masked);
    }

    /** {@code text} with every secret value masked; null stays null. */
    public String redact(String text) {
        if (text == null) {
            return null;
        }
        String masked = text;
        for (String secret : secrets) {
            masked = masked.replace(secret, MASK);
        }
        return masked;
    }
}
