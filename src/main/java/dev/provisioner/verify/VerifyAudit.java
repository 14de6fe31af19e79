package dev.provisioner.verify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import dev.provisioner.verify.TrailReader.TrailReadException;
import dev.provisioner.verify.VerificationReport.Link;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The verifier as a command, without the service: reads a key's trail from the audit topic, verifies it, prints
 * what it found for people and then as JSON. Exit status {@value #INTACT} when the trail is intact,
 * {@value #BROKEN} at a break, {@value #USAGE} for bad arguments, {@value #UNREADABLE} when the trail could not
 * be read.
 */
public final class VerifyAudit {

    public static final int INTACT = 0;
    public static final int BROKEN = 1;
    public static final int USAGE = 2;
    public static final int UNREADABLE = 3;

    /** The audit channel's topic when the service's configuration says nothing else. */
    public static final String DEFAULT_TOPIC = "provisioning.audit";

    static final String USAGE_TEXT =
            """
            usage: VerifyAudit --bootstrap-servers HOST:PORT --key PROJECT/STACK [--topic TOPIC]
                               [--public-key KID=PEM-FILE]... [--receipt FILE] [--timeout SECONDS]
              --bootstrap-servers  the Kafka cluster
              --key                the record key whose trail to verify, project/stack
              --topic              the audit topic (%s)
              --public-key         a trusted Ed25519 public key (X.509 PEM) and its key id; repeatable
              --receipt            a completion with a receipt, or the receipt itself (JSON)
              --timeout            how long reading the trail may take (%d)
            exit status: %d intact, %d a break, %d bad usage, %d the trail could not be read
            """.formatted(DEFAULT_TOPIC, TrailReader.DEFAULT_TIMEOUT.toSeconds(), INTACT, BROKEN, USAGE, UNREADABLE);

    private static final String SLF4J_PROVIDER = "slf4j.provider";

    private static final ObjectMapper JSON =
            new ObjectMapper().registerModule(new Jdk8Module()).enable(SerializationFeature.INDENT_OUTPUT);

    private VerifyAudit() {}

    public static void main(String[] args) {
        // The service's SLF4J binding needs its log manager, which a plain JVM does not have; and the Kafka
        // client's own logs (a line per retry while a broker does not answer) say less than the one line this
        // command prints on failure. -Dslf4j.provider=… brings them back.
        if (System.getProperty(SLF4J_PROVIDER) == null) {
            System.setProperty(SLF4J_PROVIDER, "org.slf4j.helpers.NOP_FallbackServiceProvider");
            System.setProperty("slf4j.internal.verbosity", "WARN");
        }
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command; what {@link #main} would exit with. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("VerifyAudit: " + e.getMessage());
            err.print(USAGE_TEXT);
            return USAGE;
        }
        if (options == null) {
            out.print(USAGE_TEXT);
            return INTACT;
        }
        Trail trail;
        try {
            trail = TrailReader.of(options.bootstrapServers(), options.timeout())
                    .read(options.topic(), options.key());
        } catch (TrailReadException e) {
            err.println("VerifyAudit: " + e.getMessage());
            return UNREADABLE;
        }
        VerificationReport report = new ChainVerifier(options.keys()).verify(trail, options.receipt());
        describe(report, out);
        try {
            out.println(JSON.writeValueAsString(report));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the report does not serialize", e);
        }
        return report.intact() ? INTACT : BROKEN;
    }

    /** The report in words, one line a fact. */
    static void describe(VerificationReport report, PrintStream out) {
        out.printf(
                "trail of %s: %s partition %d, offsets %d to %d: %d record(s) of the key, %d before the chain%n",
                report.key(),
                report.topic(),
                report.partition(),
                report.startOffset(),
                report.endOffset(),
                report.recordsRead(),
                report.unchainedBefore());
        report.chainStart()
                .filter(start -> start.chainSequence() > 0)
                .ifPresent(start -> out.printf(
                        "chain starts at %s: the partition's log starts at offset %d (retention)%n",
                        link(start), report.startOffset()));
        out.println("intact through:  "
                + report.intactThrough().map(VerifyAudit::link).orElse("no record"));
        out.println("last checkpoint: "
                + report.lastCheckpoint()
                        .map(c -> link(new Link(c.offset(), c.ceId(), c.chainSequence())) + ", signed by " + c.keyId())
                        .orElse("none"));
        out.println("unsigned tail:   " + report.unsignedTail() + " record(s)");
        report.receipt().ifPresent(r -> out.println("receipt:         matches " + link(r)));
        out.println(report.firstBreak()
                .map(b -> "BREAK " + b.kind()
                        + b.offset().map(o -> " at offset " + o).orElse("")
                        + b.ceId().map(id -> " (" + id + ")").orElse("")
                        + b.chainSequence().map(s -> ", chainseq " + s).orElse("") + ": " + b.detail())
                .orElse("INTACT"));
    }

    private static String link(Link link) {
        return "chainseq " + link.chainSequence() + " at offset " + link.offset()
                + link.ceId().map(id -> " (" + id + ")").orElse("");
    }

    /** The command's arguments; null from {@link #parse} for {@code --help}. */
    private record Options(
            String bootstrapServers,
            String topic,
            String key,
            Map<String, PublicKey> keys,
            Optional<Receipt> receipt,
            Duration timeout) {

        static Options parse(String[] args) {
            String bootstrapServers = null;
            String topic = DEFAULT_TOPIC;
            String key = null;
            Map<String, String> keyFiles = new LinkedHashMap<>();
            Optional<Receipt> receipt = Optional.empty();
            Duration timeout = TrailReader.DEFAULT_TIMEOUT;
            List<String> rest = new ArrayList<>(List.of(args));
            while (!rest.isEmpty()) {
                String option = rest.remove(0);
                if (option.equals("--help") || option.equals("-h")) {
                    return null;
                }
                int equals = option.indexOf('=');
                if (option.startsWith("--") && equals > 0) {
                    rest.add(0, option.substring(equals + 1));
                    option = option.substring(0, equals);
                }
                switch (option) {
                    case "--bootstrap-servers" -> bootstrapServers = value(option, rest);
                    case "--topic" -> topic = value(option, rest);
                    case "--key" -> key = value(option, rest);
                    case "--public-key" -> {
                        String pair = value(option, rest);
                        int at = pair.indexOf('=');
                        if (at <= 0 || at == pair.length() - 1) {
                            throw new IllegalArgumentException("--public-key takes KID=PEM-FILE, not " + pair);
                        }
                        keyFiles.put(pair.substring(0, at), pair.substring(at + 1));
                    }
                    case "--receipt" -> receipt = Optional.of(receipt(value(option, rest)));
                    case "--timeout" -> timeout = timeout(value(option, rest));
                    default -> throw new IllegalArgumentException("unknown argument " + option);
                }
            }
            if (bootstrapServers == null) {
                throw new IllegalArgumentException("--bootstrap-servers is required");
            }
            if (key == null) {
                throw new IllegalArgumentException("--key is required");
            }
            return new Options(bootstrapServers, topic, key, TrustedKeys.load(keyFiles), receipt, timeout);
        }

        private static String value(String option, List<String> rest) {
            if (rest.isEmpty() || rest.get(0).isEmpty()) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return rest.remove(0);
        }

        private static Receipt receipt(String file) {
            try {
                return Receipt.parse(Files.readString(Path.of(file)));
            } catch (IOException | InvalidPathException e) {
                throw new IllegalArgumentException("--receipt: cannot read " + file + " (" + e + ")", e);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--receipt " + file + ": " + e.getMessage(), e);
            }
        }

        private static Duration timeout(String seconds) {
            try {
                long value = Long.parseLong(seconds);
                if (value > 0) {
                    return Duration.ofSeconds(value);
                }
            } catch (NumberFormatException e) {
                // said below
            }
            throw new IllegalArgumentException("--timeout takes a number of seconds above 0, not " + seconds);
        }
    }
}
