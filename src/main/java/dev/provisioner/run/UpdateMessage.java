package dev.provisioner.run;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The message of the stack update a request makes: {@code provisioner request <id> by <actor>}. The
 * stack's history keeps it, so it says which request made each update (and that one already ran).
 */
public record UpdateMessage(String requestId, String requestedBy) {

    private static final String PREFIX = "provisioner request ";
    private static final Pattern FORMAT = Pattern.compile(Pattern.quote(PREFIX) + "(\\S+) by (.+)", Pattern.DOTALL);

    /** The request and actor of an update message, if the service wrote it. */
    public static Optional<UpdateMessage> parse(String message) {
        if (message == null) {
            return Optional.empty();
        }
        Matcher m = FORMAT.matcher(message);
        return m.matches() ? Optional.of(new UpdateMessage(m.group(1), m.group(2))) : Optional.empty();
    }

    /** The message as the stack's history keeps it. */
    public String text() {
        return PREFIX + requestId + " by " + requestedBy;
    }
}
