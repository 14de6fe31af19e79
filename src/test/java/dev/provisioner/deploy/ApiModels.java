package dev.provisioner.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.util.Map;

/**
 * Reads a Kubernetes object into the API model of its {@code apiVersion} and {@code kind}, strictly: an
 * unknown field, a value of the wrong type or a kind without a model is an error, as with the API server's
 * strict field validation. The models are fabric8's (generated from the Kubernetes and Prometheus Operator
 * OpenAPI schemas) and Strimzi's own (from which Strimzi generates its CRD schemas).
 */
final class ApiModels {

    /** Every kind the manifests may hold; Strimzi's KafkaTopic model serves both its API versions. */
    private static final Map<String, Class<?>> MODELS = Map.of(
            "v1/ServiceAccount", ServiceAccount.class,
            "v1/ConfigMap", ConfigMap.class,
            "v1/Service", Service.class,
            "apps/v1/Deployment", Deployment.class,
            "networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
            "monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class,
            "kafka.strimzi.io/v1/KafkaTopic", KafkaTopic.class,
            "kafka.strimzi.io/v1beta2/KafkaTopic", KafkaTopic.class);

    private static final ObjectMapper STRICT = JsonMapper.builder()
            .annotationIntrospector(new JacksonAnnotationIntrospector() {
                // The models keep fields they do not know in an additionalProperties map: without that, an
                // unknown field fails the read.
                @Override
                public Boolean hasAnySetter(Annotated a) {
                    return false;
                }
            })
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            // The API server takes no "3" for an integer.
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    private ApiModels() {}

    /** The object as its model. */
    static <T> T read(JsonNode object, Class<T> model) {
        return model.cast(validate(object));
    }

    /**
     * Reads the object into its model.
     *
     * @throws IllegalArgumentException naming the object and what does not fit
     */
    static Object validate(JsonNode object) {
        String type =
                object.path("apiVersion").asText() + "/" + object.path("kind").asText();
        String name = type + " " + object.path("metadata").path("name").asText();
        Class<?> model = MODELS.get(type);
        if (model == null) {
            throw new IllegalArgumentException(name + ": no model for this apiVersion and kind");
        }
        try {
            return STRICT.treeToValue(object, model);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(name + ": " + e.getOriginalMessage() + " at " + path(e), e);
        }
    }

    private static String path(JsonProcessingException e) {
        return e instanceof com.fasterxml.jackson.databind.JsonMappingException mapping
                ? mapping.getPathReference()
                : "?";
    }
}
