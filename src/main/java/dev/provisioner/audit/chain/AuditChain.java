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

    private static final Comparator<Header> BY_NAME = (a, b) -> Arrays.compareUnsigned(utf8(a.key()), utf8(b.key()));

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
        write(out, utf8(VERSION));
        out.write('\n');
        List<Header> hashed = new ArrayList<>();
        for (Header header : headers) {
            if (!UNHASHED.contains(header.key())) {
                hashed.add(header);
            }
        }
        hashed.sort(BY_NAME);
        for (Header header : hashed) {
            write(out, utf8("h "));
            field(out, utf8(header.key()));
            out.write(' ');
            field(out, header.value());
            out.write('\n');
        }
        write(out, utf8("k "));
        field(out, key);
        write(out, utf8("\nv "));
        field(out, value);
        out.write('\n');
        return out.toByteArray();
    }

    /** The record's hash: SHA-256 of its {@link #canonical canonical form}, in lower-case hex. */
    public static String hash(Headers headers, byte[] key, byte[] value) {
        return HexFormat.of().formatHex(sha256().digest(canonical(headers, key, value)));
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

    private static void field(ByteArrayOutputStream out, byte[] bytes) {
        if (bytes == null) {
            out.write('-');
            return;
        }
        write(out, utf8(Integer.toString(bytes.length)));
        out.write(':');
        write(out, bytes);
    }

    private static void write(ByteArrayOutputStream out, byte[] bytes) {
        out.write(bytes, 0, bytes.length);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
