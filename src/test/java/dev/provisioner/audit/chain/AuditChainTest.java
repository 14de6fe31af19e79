package dev.provisioner.audit.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** The chain's canonical form and signatures, as the README writes them down for auditors. */
class AuditChainTest {

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theReadmesWorkedExample() throws Exception {
        var headers = new RecordHeaders();
        headers.add("ce_id", utf8("a:1"));
        headers.add(AuditChain.SEQ, utf8("0"));
        headers.add(AuditChain.HASH, utf8("not hashed"));
        headers.add(AuditChain.SIG, utf8("not hashed"));

        byte[] canonical = AuditChain.canonical(headers, utf8("p/s"), utf8("{}"));

        String expected = "provisioner-audit-chain/v1\nh 11:ce_chainseq 1:0\nh 5:ce_id 3:a:1\nk 3:p/s\nv 2:{}\n";
        assertThat(new String(canonical, StandardCharsets.UTF_8)).isEqualTo(expected);
        assertThat(Files.readString(Path.of("README.md")))
                .as("the README's worked example")
                .contains(expected.replace("\n", "\\n"));
        assertThat(AuditChain.hash(headers, utf8("p/s"), utf8("{}")))
                .isEqualTo(HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256").digest(utf8(expected))));
    }

    @Test
    void nullKeysAndValuesAndByteLengths() {
        var headers = new RecordHeaders();
        headers.add("ce_subject", utf8("é"));
        headers.add("ce_none", null);
        String canonical = new String(AuditChain.canonical(headers, null, null), StandardCharsets.UTF_8);
        assertThat(canonical).isEqualTo("provisioner-audit-chain/v1\nh 7:ce_none -\nh 10:ce_subject 2:é\nk -\nv -\n");
    }

    @Test
    void everyHashedByteCounts() {
        var headers = new RecordHeaders();
        headers.add("ce_id", utf8("a:1"));
        String hash = AuditChain.hash(headers, utf8("p/s"), utf8("{}"));
        assertThat(AuditChain.hash(headers, utf8("p/s"), utf8("{ }"))).isNotEqualTo(hash);
        assertThat(AuditChain.hash(headers, utf8("p/t"), utf8("{}"))).isNotEqualTo(hash);
        var other = new RecordHeaders();
        other.add("ce_id", utf8("a:2"));
        assertThat(AuditChain.hash(other, utf8("p/s"), utf8("{}"))).isNotEqualTo(hash);
        // A signature added later does not change the hash it signs.
        headers.add(AuditChain.SIG, utf8("sig"));
        headers.add(AuditChain.KID, utf8("k1"));
        assertThat(AuditChain.hash(headers, utf8("p/s"), utf8("{}"))).isEqualTo(hash);
    }

    @Test
    void signaturesVerifyWithTheirKeyOnly() throws Exception {
        var k1 = Signatures.privateKey(Files.readString(Path.of("src/test/resources/audit-keys/k1.pem")));
        var k1Public = Signatures.publicKey(Files.readString(Path.of("src/test/resources/audit-keys/k1.pub.pem")));
        var k2Public = Signatures.publicKey(Files.readString(Path.of("src/test/resources/audit-keys/k2.pub.pem")));
        String hash = "ab".repeat(32);

        String signature = Signatures.sign(k1, hash);

        assertThat(Signatures.verify(k1Public, hash, signature)).isTrue();
        assertThat(Signatures.verify(k2Public, hash, signature)).isFalse();
        assertThat(Signatures.verify(k1Public, "cd".repeat(32), signature)).isFalse();
        assertThat(Signatures.verify(k1Public, hash, "not base64url!")).isFalse();
        assertThat(Signatures.publicKey(Signatures.pem(k1Public))).isEqualTo(k1Public);
    }
}
