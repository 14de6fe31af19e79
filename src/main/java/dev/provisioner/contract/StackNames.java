package dev.provisioner.contract;

import java.util.regex.Pattern;

/** Project and stack names become directory names and URN parts, so only safe ones are accepted. */
public final class StackNames {

    /** The longest name accepted. */
    public static final int MAX_LENGTH = 100;

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");

    private StackNames() {}

    /** Whether {@code name} is usable as a project or stack name. */
    public static boolean isValid(String name) {
        return name != null && name.length() <= MAX_LENGTH && SAFE.matcher(name).matches() && !name.contains("..");
    }

    public static void require(String what, String name) {
        if (!isValid(name)) {
            throw new IllegalArgumentException(
                    what + " must match [A-Za-z0-9._-], not start with '.' or '-', and have at most " + MAX_LENGTH
                            + " characters");
        }
    }
}
