package dev.provisioner.verify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Objects;

/**
 * What a completion's {@code receipt} holds: the signature of the chain's head when the request ended, so that
 * its requester can later prove what the trail said then.
 *
 * @param chainSequence the {@code ce_chainseq} of the checkpoint
 * @param chainHash its {@code ce_chainhash}
 * @param signature its {@code ce_chainsig}: Ed25519 over the checkpoint message, base64url
 * @param keyId its {@code ce_chainkid}: the id of the key that signed it
 */
public record Receipt(long chainSequence, String chainHash, String signature, String keyId) {

    /** The field of a completion that carries its receipt. */
    public static final String COMPLETION_FIELD = "receipt";

    private static final ObjectMapper JSON = new ObjectMapper();

    public Receipt {
        if (chainSequence < 0) {
            throw new IllegalArgumentException("chainSequence must be 0 or more, not " + chainSequence);
        }
        Objects.requireNonNull(chainHash, "chainHash");
        Objects.requireNonNull(signature, "signature");
        Objects.requireNonNull(keyId, "keyId");
    }

    /**
     * The receipt in {@code json}: a completion with a {@value #COMPLETION_FIELD}, or the receipt itself.
     *
     * @throws IllegalArgumentException naming what is wrong, when it is neither
     */
    public static Receipt parse(String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
        if (node != null && node.has(COMPLETION_FIELD)) {
            node = node.get(COMPLETION_FIELD);
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("neither a receipt nor a completion with a receipt");
        }
        JsonNode sequence = node.get("chainSequence");
        if (sequence == null || !sequence.canConvertToExactIntegral() || !sequence.canConvertToLong()) {
            throw new IllegalArgumentException("the receipt's chainSequence must be a whole number");
        }
        return new Receipt(sequence.asLong(), text(node, "chainHash"), text(node, "signature"), text(node, "keyId"));
    }

    private static String text(JsonNode receipt, String field) {
        JsonNode value = receipt.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("the receipt's " + field + " must be a string");
        }
        return value.asText();
    }
}
