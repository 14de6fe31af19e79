package dev.provisioner.request;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import dev.provisioner.contract.RequestRules;
import java.util.stream.Collectors;

/** What a rejection reason may say of a payload: field names, cut short and made printable, never values. */
final class PayloadText {

    /** How Jackson begins its message about a field given twice. */
    private static final String DUPLICATE = "Duplicate field '";

    private PayloadText() {}

    /** A parse failure in words, naming the field but never quoting a value. */
    static String describe(JsonProcessingException e) {
        String field = e instanceof JsonMappingException m ? fieldPath(m) : "";
        if (e instanceof UnrecognizedPropertyException u) {
            return "unknown field '" + field + "'";
        }
        if (e instanceof ValueInstantiationException v && v.getCause() != null) {
            return field + ": " + v.getCause().getMessage();
        }
        if (e instanceof InvalidFormatException || e instanceof MismatchedInputException) {
            return field.isEmpty() ? "a value has the wrong type" : field + " has the wrong type";
        }
        String message = e.getOriginalMessage();
        var at = e.getLocation();
        // A value of the tree read from the payload has no location: -1.
        String where =
                at == null || at.getLineNr() < 0 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        if (message.startsWith(DUPLICATE) && message.endsWith("'")) {
            // A field name, not a value: worth naming.
            return "duplicate field '" + quoted(message.substring(DUPLICATE.length(), message.length() - 1)) + "'"
                    + where;
        }
        // Jackson's wording names the limit that was hit (nesting, string length); cut it before any
        // quoted input, which may be a value.
        int quote = message.indexOf('\'');
        String words = quote < 0 ? message : message.substring(0, quote).replaceAll("[\\s(:]+$", "");
        return (field.isEmpty() ? "" : field + ": ") + words + where;
    }

    /** Where in the payload, by names fit to be quoted: a config key can hold any character. */
    private static String fieldPath(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? quoted(ref.getFieldName()) : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."));
    }

    /** A name from the payload, cut short and stripped of control characters, for a reason text. */
    static String quoted(String text) {
        String clean = RequestRules.printable(text);
        return clean.length() <= 64 ? clean : clean.substring(0, 64) + "…";
    }
}
