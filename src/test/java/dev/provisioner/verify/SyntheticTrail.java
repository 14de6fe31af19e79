package dev.provisioner.verify;

import dev.provisioner.audit.chain.AuditChain;
import dev.provisioner.audit.chain.Signatures;
import dev.provisioner.support.KafkaBrokerResource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Chained audit records made the way the README says the writer makes them, with {@link AuditChain} and
 * {@link Signatures} and the test keys in {@code src/test/resources/audit-keys}: the verifier's tests build
 * their trails with it, the unit tests as lists and the broker test on a topic.
 */
final class SyntheticTrail {

    /** One record as a producer sends it. */
    record Written(Headers headers, byte[] key, byte[] value) {

        String header(String name) {
            return AuditChain.text(headers, name);
        }

        String ceId() {
            return header(VerificationReport.CE_ID);
        }

        long seq() {
            return Long.parseLong(header(AuditChain.SEQ));
        }

        String hash() {
            return header(AuditChain.HASH);
        }

        /** The same record with header {@code name} set to {@code value} (removed when null), nothing recomputed. */
        Written with(String name, String value) {
            var headers = new RecordHeaders();
            for (Header header : this.headers) {
                if (!header.key().equals(name)) {
                    headers.add(header.key(), header.value());
                }
            }
            if (value != null) {
                headers.add(name, utf8(value));
            }
            return new Written(headers, key, value());
        }

        /** The same record with another value, nothing recomputed. */
        Written withValue(byte[] value) {
            var headers = new RecordHeaders();
            this.headers.forEach(header -> headers.add(header.key(), header.value()));
            return new Written(headers, key, value);
        }

        /** The record signed again by {@code signer} as key id {@code kid}. */
        Written signedBy(String kid, PrivateKey signer) {
            return with(AuditChain.SIG, Signatures.sign(signer, hash())).with(AuditChain.KID, kid);
        }
    }

    private final String key;
    private final List<Written> written = new ArrayList<>();
    private long seq;
    private String prev = AuditChain.GENESIS;

    SyntheticTrail(String key) {
        this.key = key;
    }

    /** A trail that goes on from {@code last}, as the writer goes on from the head it found. */
    static SyntheticTrail after(Written last) {
        var trail = new SyntheticTrail(new String(last.key(), StandardCharsets.UTF_8));
        trail.seq = last.seq() + 1;
        trail.prev = last.hash();
        return trail;
    }

    /** The next link, not signed. */
    Written add(String ceId) {
        Written record = link(key, seq, prev, ceId, payload(ceId));
        written.add(record);
        seq++;
        prev = record.hash();
        return record;
    }

    /** The next link, a checkpoint signed by {@code signer} as key id {@code kid}. */
    Written checkpoint(String ceId, String kid, PrivateKey signer) {
        Written record = add(ceId).signedBy(kid, signer);
        written.set(written.size() - 1, record);
        return record;
    }

    /**
     * {@code requests} requests of {@code perRequest} records each, the last record of each a checkpoint signed
     * with {@code k1}.
     */
    SyntheticTrail requests(int requests, int perRequest) {
        for (int r = 0; r < requests; r++) {
            for (int i = 0; i < perRequest - 1; i++) {
                add("req-" + r + ":0000000" + r + ":engine:" + i);
            }
            checkpoint("req-" + r + ":0000000" + r + ":completed", "k1", privateKey("k1"));
        }
        return this;
    }

    List<Written> written() {
        return List.copyOf(written);
    }

    /** A link with the chain values given, its hash correct for them. */
    static Written link(String key, long seq, String prev, String ceId, byte[] value) {
        var headers = cloudEvent(key, ceId);
        headers.add(AuditChain.SEQ, utf8(Long.toString(seq)));
        headers.add(AuditChain.PREV, utf8(prev));
        headers.add(AuditChain.HASH, utf8(AuditChain.hash(headers, utf8(key), value)));
        return new Written(headers, utf8(key), value);
    }

    /** A record from before the chain existed: the CloudEvents headers only. */
    static Written unchained(String key, String ceId) {
        return new Written(cloudEvent(key, ceId), utf8(key), payload(ceId));
    }

    /**
     * {@code records} from index {@code from} on chained again from the record before, signatures removed: what
     * someone without the signing key makes of a trail after changing a record.
     */
    static List<Written> rechained(List<Written> records, int from) {
        List<Written> out = new ArrayList<>(records.subList(0, from));
        String prev = from == 0 ? AuditChain.GENESIS : records.get(from - 1).hash();
        for (Written record : records.subList(from, records.size())) {
            Written bare = record.with(AuditChain.SIG, null).with(AuditChain.KID, null);
            Written linked = bare.with(AuditChain.PREV, prev);
            Written hashed =
                    linked.with(AuditChain.HASH, AuditChain.hash(linked.headers(), linked.key(), linked.value()));
            out.add(hashed);
            prev = hashed.hash();
        }
        return out;
    }

    /** {@code records} as read from partition 0 of an untouched log: offsets 0, 1, 2, … */
    static Trail trail(List<Written> records) {
        return trail(records, 0);
    }

    /** {@code records} at offsets {@code start}, {@code start} + 1, … of a log that starts at {@code start}. */
    static Trail trail(List<Written> records, long start) {
        List<TrailRecord> read = new ArrayList<>();
        for (Written record : records) {
            read.add(new TrailRecord(0, start + read.size(), record.key(), record.headers(), record.value()));
        }
        String key = records.isEmpty() ? "p/s" : new String(records.get(0).key(), StandardCharsets.UTF_8);
        return new Trail("provisioning.audit", key, 0, start, start + read.size(), read);
    }

    /** A new topic of {@code partitions} partitions on the test broker. */
    static String freshTopic(int partitions) {
        String topic = "verify-" + UUID.randomUUID();
        try (Admin admin = Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerResource.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
                    .all()
                    .get(1, TimeUnit.MINUTES);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create " + topic, e);
        }
        return topic;
    }

    /** Sends {@code records} in order with the producer's default partitioner; what the broker said of each. */
    static List<RecordMetadata> send(String topic, List<Written> records) {
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                KafkaBrokerResource.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all");
        List<RecordMetadata> sent = new ArrayList<>();
        try (var producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (Written record : records) {
                sent.add(
                        producer.send(new ProducerRecord<>(topic, null, record.key(), record.value(), record.headers()))
                                .get(1, TimeUnit.MINUTES));
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to " + topic, e);
        }
        return sent;
    }

    static PrivateKey privateKey(String name) {
        return Signatures.privateKey(pem(name + ".pem"));
    }

    static PublicKey publicKey(String name) {
        return Signatures.publicKey(pem(name + ".pub.pem"));
    }

    static Path publicKeyFile(String name) {
        return Path.of("src/test/resources/audit-keys", name + ".pub.pem");
    }

    private static String pem(String file) {
        try {
            return Files.readString(Path.of("src/test/resources/audit-keys", file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static RecordHeaders cloudEvent(String key, String ceId) {
        var headers = new RecordHeaders();
        headers.add("ce_specversion", utf8("1.0"));
        headers.add(VerificationReport.CE_ID, utf8(ceId));
        headers.add("ce_type", utf8("dev.provisioner.test"));
        headers.add("ce_source", utf8("/provisioner/" + key));
        headers.add("content-type", utf8("application/json"));
        return headers;
    }

    private static byte[] payload(String ceId) {
        return utf8("{\"requestId\":\"" + ceId.split(":")[0] + "\",\"id\":\"" + ceId + "\"}");
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
