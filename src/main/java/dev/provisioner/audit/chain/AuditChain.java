package dev.provisioner.audit.chain;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The hash chain of the audit trail, version 1 (README, "The audit chain"): every record of one record key
 * ({@code project/stack}) carries its place in that key's chain ({@value #SEQ}), the hash of the record
 * before it ({@value #PREV}) and its own hash ({@value #HASH}) over its {@link #canonical canonical form};
 * checkpoints also carry a signature of their hash ({@value #SIG}) and the key id that made it
 * ({@value #KID}). Only the JDK and the Kafka client's header types: the writer and the verifier share this
 * one definition, and {@code AuditChainTest} pins it to the README's worked example.
 */
public final class AuditChain {

    /** The first line of every canonical form. */
    public static final String VERSION = "provisioner-audit-chain/v1";

    /** What a checkpoint signs is this, a space, and the record's hash. */
    public static final String CHECKPOINT_PREFIX = "provisioner-audit-checkpoint/v1";

    public static final String SEQ = "ce_chainseq";
    public static final String PREV = "ce_chainprev";
    public static final String HASH = "ce_chainhash";
    public static final String SIG = "ce_chainsig";
    public static final String KID = "ce_chainkid";

    /** The {@value #PREV} of a chain's first record. */
    public static final String GENESIS = "0".repeat(64);

    /** The headers a record's hash does not cover: the hash itself, and what signs it. */
    private static final Set<String> UNHASHED = Set.of(HASH, SIG, KID);

    private static final Comparator<Named> BY_NAME = (a, b) -> Arrays.compareUnsigned(a.name(), b.name());

    private static final byte[] VERSION_LINE = utf8(VERSION + "\n");
    private static final byte[] HEADER = utf8("h ");
    private static final byte[] KEY = utf8("k ");
    private static final byte[] VALUE = utf8("v ");
    private static final byte[] SPACE = utf8(" ");
    private static final byte[] NEWLINE = utf8("\n");
    private static final byte[] COLON = utf8(":");
    private static final byte[] NULL = utf8("-");

    /** Cloned for each hash: cheaper than a provider look-up. */
    private static final MessageDigest SHA_256 = newSha256();

    private AuditChain() {}

    /**
     * The bytes a record's hash is taken over: the line {@value #VERSION}; then one line per header but
     * {@value #HASH}, {@value #SIG} and {@value #KID}, sorted by the bytes of their names (headers of one name
     * in the order they have), {@code h <name> <value>}; then {@code k <key>} and {@code v <value>}. Each
     * field is written as its length in bytes, in decimal, a colon and the bytes, or {@code -} when it is
     * null; every line ends with {@code \n}.
     */
    public static byte[] canonical(Headers headers, byte[] key, byte[] value) {
        var out = new ByteArrayOutputStream(128 + (value == null ? 0 : value.length));
        write(headers, key, value, out::write);
        return out.toByteArray();
    }

    /**
     * The record's hash: SHA-256 of its {@link #canonical canonical form}, in lower-case hex. The form is fed to
     * the digest as it is written, never held whole.
     */
    public static String hash(Headers headers, byte[] key, byte[] value) {
        MessageDigest digest = sha256();
        write(headers, key, value, digest::update);
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Where the canonical form goes. */
    private interface Output {
        void write(byte[] bytes, int offset, int length);

        default void write(byte[] bytes) {
            write(bytes, 0, bytes.length);
        }
    }

    /** A header's name, encoded once for sorting and writing. */
    private record Named(byte[] name, Header header) {}

    private static void write(Headers headers, byte[] key, byte[] value, Output out) {
        out.write(VERSION_LINE);
        List<Named> hashed = new ArrayList<>();
        for (Header header : headers) {
            if (!UNHASHED.contains(header.key())) {
                hashed.add(new Named(utf8(header.key()), header));
            }
        }
        hashed.sort(BY_NAME);
        for (Named named : hashed) {
            out.write(HEADER);
            field(out, named.name());
            out.write(SPACE);
            field(out, named.header().value());
            out.write(NEWLINE);
        }
        out.write(KEY);
        field(out, key);
        out.write(NEWLINE);
        out.write(VALUE);
        field(out, value);
        out.write(NEWLINE);
    }

    /** What a checkpoint's signature is over: {@value #CHECKPOINT_PREFIX}, a space, and the record's hash. */
    public static byte[] checkpoint(String hash) {
        return utf8(CHECKPOINT_PREFIX + " " + hash);
    }

    /** The value of header {@code name} as text, or null when the record has none. */
    public static String text(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static void field(Output out, byte[] bytes) {
        if (bytes == null) {
            out.write(NULL);
            return;
        }
        out.write(utf8(Integer.toString(bytes.length)));
        out.write(COLON);
        out.write(bytes);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static MessageDigest sha256() {
        try {
            return (MessageDigest) SHA_256.clone();
        } catch (CloneNotSupportedException e) {
            return newSha256();
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
