package dev.provisioner.contract;

/** UTF-8 sizes of strings, counted without encoding them: a hostile payload is not copied to be measured. */
public final class Utf8 {

    private Utf8() {}

    /** The number of bytes {@code text} has in UTF-8. */
    public static long length(String text) {
        long bytes = 0;
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            bytes += bytes(codePoint);
            i += Character.charCount(codePoint);
        }
        return bytes;
    }

    /** The longest start of {@code text} that has at most {@code maxBytes} bytes in UTF-8, characters whole. */
    public static String prefix(String text, long maxBytes) {
        long bytes = 0;
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            bytes += bytes(codePoint);
            if (bytes > maxBytes) {
                return text.substring(0, i);
            }
            i += Character.charCount(codePoint);
        }
        return text;
    }

    private static int bytes(int codePoint) {
        if (codePoint < 0x80) {
            return 1;
        }
        if (codePoint < 0x800) {
            return 2;
        }
        return codePoint < 0x10000 ? 3 : 4;
    }
}
