package dev.provisioner.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.provisioner.audit.AuditConfig;
import dev.provisioner.engine.EngineConfig;
import dev.provisioner.lease.LeaseConfig;
import dev.provisioner.run.RunsConfig;
import dev.provisioner.support.Probes;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.WithDefault;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.storage.internals.log.LogConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Renders {@code deploy/k8s} with kustomize, reads every object strictly into its API model, and checks that
 * the Deployment and topics fit the application: its port and probe paths, its shutdown, its topics.
 */
class KubernetesManifestsTest {

    static final String BASE = "deploy/k8s/base";
    static final String EXAMPLE = "deploy/k8s/overlays/example";

    /** How long {@code GracefulShutdown} waits for a run after its CLI was killed. */
    static final Duration AFTER_KILL = Duration.ofSeconds(10);

    @ParameterizedTest
    @ValueSource(strings = {BASE, EXAMPLE})
    void everyObjectFitsItsApiSchema(String dir) {
        List<JsonNode> objects = Kustomize.build(dir);

        assertThat(objects)
                .extracting(o -> o.path("kind").asText())
                .containsOnly(
                        "ServiceAccount",
                        "ConfigMap",
                        "Service",
                        "Deployment",
                        "NetworkPolicy",
                        "PodDisruptionBudget",
                        "ServiceMonitor",
                        "KafkaTopic");
        List<String> misfits = new ArrayList<>();
        for (JsonNode object : objects) {
            try {
                ApiModels.validate(object);
            } catch (IllegalArgumentException e) {
                misfits.add(e.getMessage());
            }
        }
        assertThat(misfits).isEmpty();
    }

    @Test
    void theSchemaCheckCatchesTyposAndWrongTypes() {
        assertThatThrownBy(() -> ApiModels.validate(
                        yaml("{apiVersion: apps/v1, kind: Deployment, metadata: {name: d}, spec: {replica: 2}}")))
                .hasMessageContaining("replica");
        assertThatThrownBy(() -> ApiModels.validate(
                        yaml("{apiVersion: apps/v1, kind: Deployment, metadata: {name: d}, spec: {replicas: two}}")))
                .hasMessageContaining("replicas");
        assertThatThrownBy(() -> ApiModels.validate(yaml("{apiVersion: kafka.strimzi.io/v1, kind: KafkaTopic,"
                        + " metadata: {name: t}, spec: {partition: 3}}")))
                .hasMessageContaining("partition");
        assertThatThrownBy(() -> ApiModels.validate(yaml("{apiVersion: v1, kind: Secret, metadata: {name: s}}")))
                .hasMessageContaining("no model");
    }

    @Test
    void probesAndPortsAreTheApplications() {
        List<JsonNode> objects = Kustomize.build(EXAMPLE);
        Container container = container(objects);

        assertThat(applicationProperties().getProperty("quarkus.http.port"))
                .as("the manifests assume Quarkus' default HTTP port")
                .isNull();
        assertThat(container.getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getName()).isEqualTo("http");
            assertThat(port.getContainerPort()).isEqualTo(Probes.HTTP_PORT);
        });
        assertProbe(container.getStartupProbe(), Probes.STARTED);
        assertProbe(container.getLivenessProbe(), Probes.LIVE);
        assertProbe(container.getReadinessProbe(), Probes.READY);

        Service service = one(objects, Service.class);
        assertThat(service.getSpec().getPorts())
                .singleElement()
                .satisfies(port -> assertThat(port.getTargetPort().getStrVal()).isEqualTo("http"));
        ServiceMonitor monitor = one(objects, ServiceMonitor.class);
        assertThat(monitor.getSpec().getEndpoints()).singleElement().satisfies(endpoint -> {
            assertThat(endpoint.getPort()).isEqualTo("http");
            assertThat(endpoint.getPath()).isEqualTo(Probes.METRICS);
        });
        NetworkPolicy policy = one(objects, NetworkPolicy.class);
        assertThat(policy.getSpec().getPolicyTypes()).contains("Ingress");
        assertThat(policy.getSpec().getIngress())
                .as("ingress to the HTTP port only")
                .allSatisfy(rule -> assertThat(rule.getPorts())
                        .as("a rule without ports admits all")
                        .isNotEmpty())
                .flatExtracting(rule -> rule.getPorts())
                .extracting(port -> port.getPort().getStrVal())
                .containsExactly("http");
    }

    @Test
    void terminationGraceOutlastsTheServicesShutdown() {
        List<JsonNode> objects = Kustomize.build(EXAMPLE);
        Map<String, String> env = environment(objects);
        Duration shutdownGrace = setting(env, "provisioner.runs.shutdown-grace", RunsConfig.class, "shutdownGrace");
        Duration cancelEscalation =
                setting(env, "provisioner.engine.cancel-escalation", EngineConfig.class, "cancelEscalation");

        Duration needed = shutdownGrace.plus(cancelEscalation.multipliedBy(2)).plus(AFTER_KILL);

        assertThat(pod(objects).getTerminationGracePeriodSeconds())
                .as("shutdown-grace %s + 2 x cancel-escalation %s + %s", shutdownGrace, cancelEscalation, AFTER_KILL)
                .isGreaterThan(needed.toSeconds());
    }

    @Test
    void thePodRunsLockedDown() {
        List<JsonNode> objects = Kustomize.build(EXAMPLE);
        PodSpec pod = pod(objects);
        Container container = container(objects);

        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");

        String workDir = env(container, "PROVISIONER_ENGINE_WORK_DIR");
        assertThat(container.getVolumeMounts())
                .filteredOn(mount -> !Boolean.TRUE.equals(mount.getReadOnly()))
                .as("the only writable paths")
                .extracting(VolumeMount::getMountPath)
                .containsExactlyInAnyOrder(workDir, "/tmp");
        assertThat(pod.getVolumes())
                .filteredOn(volume -> volume.getSecret() == null && volume.getConfigMap() == null)
                .allSatisfy(volume -> assertThat(volume.getEmptyDir()).isNotNull())
                .extracting(Volume::getName)
                .hasSize(2);
        // The audit chain's signing key and the programs' credentials: secrets, read-only, readable by the pod's
        // group only.
        assertThat(pod.getVolumes())
                .filteredOn(volume -> volume.getSecret() != null)
                .hasSize(2)
                .allSatisfy(volume ->
                        assertThat(volume.getSecret().getDefaultMode()).isEqualTo(0440));
        Volume signing = pod.getVolumes().stream()
                .filter(volume -> volume.getName().equals("audit-signing"))
                .findFirst()
                .orElseThrow();
        assertThat(env(container, "PROVISIONER_AUDIT_SIGNING_KEY_FILE"))
                .startsWith(container.getVolumeMounts().stream()
                        .filter(mount -> mount.getName().equals(signing.getName()))
                        .findFirst()
                        .orElseThrow()
                        .getMountPath());
    }

    @Test
    void programsAndTheirCredentialsAreMountedWhereTheServiceReadsThem() throws IOException {
        List<JsonNode> objects = Kustomize.build(EXAMPLE);
        PodSpec pod = pod(objects);
        Container container = container(objects);
        ConfigMap programs = all(objects, ConfigMap.class).stream()
                .filter(map -> map.getMetadata().getName().equals("provisioner-programs"))
                .findFirst()
                .orElseThrow();

        assertThat(programs.getData())
                .as("the catalog's example is deploy/programs' own")
                .containsExactly(Map.entry(
                        "stash-yaml.yaml", Files.readString(Path.of("deploy/programs/stash-yaml/Pulumi.yaml"))));
        assertThat(mountOf(pod, container, "provisioner-programs"))
                .isEqualTo(env(container, "PROVISIONER_PROGRAMS_CATALOG_DIR"));
        assertThat(mountOf(pod, container, "provisioner-program-credentials"))
                .as("Quarkus reads config/application.properties in the working directory")
                .isEqualTo(container.getWorkingDir() + "/config");
        assertThat(pod.getVolumes())
                .filteredOn(volume -> volume.getSecret() != null
                        && volume.getSecret().getSecretName().equals("provisioner-program-credentials"))
                .singleElement()
                .satisfies(volume -> assertThat(volume.getSecret().getItems())
                        .singleElement()
                        .satisfies(item -> assertThat(item.getPath()).isEqualTo("application.properties")));
    }

    /** Where the volume of the ConfigMap or Secret {@code name} is mounted, read-only. */
    private static String mountOf(PodSpec pod, Container container, String name) {
        Volume volume = pod.getVolumes().stream()
                .filter(v ->
                        (v.getConfigMap() != null && v.getConfigMap().getName().equals(name))
                                || (v.getSecret() != null
                                        && v.getSecret().getSecretName().equals(name)))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no volume of " + name));
        VolumeMount mount = container.getVolumeMounts().stream()
                .filter(m -> m.getName().equals(volume.getName()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("volume " + volume.getName() + " is not mounted"));
        assertThat(mount.getReadOnly()).as(mount.getName()).isTrue();
        return mount.getMountPath();
    }

    @Test
    void theImageFitsThePod() throws IOException {
        List<String> containerfile = Files.readAllLines(Path.of("deploy/Containerfile"));
        PodSpec pod = pod(Kustomize.build(EXAMPLE));
        Container container = container(Kustomize.build(EXAMPLE));
        String workDir = env(container, "PROVISIONER_ENGINE_WORK_DIR");

        assertThat(containerfile)
                .as("the image runs as the pod's user, on its port, with its work dir as a volume")
                .contains(
                        "USER " + pod.getSecurityContext().getRunAsUser(),
                        "EXPOSE " + Probes.HTTP_PORT,
                        "VOLUME [\"" + workDir + "\", \"/tmp\"]")
                .anySatisfy(line -> assertThat(line).contains("PROVISIONER_ENGINE_WORK_DIR=" + workDir));
        assertThat(containerfile.stream().filter(line -> line.startsWith("USER ")))
                .last()
                .isEqualTo("USER " + pod.getSecurityContext().getRunAsUser());
    }

    @Test
    void everyTopicTheServiceUsesIsDeclaredWithValidSettings() {
        List<JsonNode> objects = Kustomize.build(EXAMPLE);
        List<KafkaTopic> topics = all(objects, KafkaTopic.class);
        Set<String> used = applicationProperties().stringPropertyNames().stream()
                .filter(key -> key.matches("mp\\.messaging\\.(incoming|outgoing)\\.[^.]+\\.topic"))
                .map(key -> applicationProperties().getProperty(key))
                // A channel that reads another's topic names it by reference (all-audit: the audit channel's).
                .map(topic -> topic.startsWith("${") && topic.endsWith("}")
                        ? applicationProperties().getProperty(topic.substring(2, topic.length() - 1))
                        : topic)
                .collect(Collectors.toCollection(HashSet::new));
        used.add(AuditConfig.HEADS_TOPIC);
        used.add(leaseTopic());

        assertThat(topics).extracting(t -> t.getSpec().getTopicName()).containsExactlyInAnyOrderElementsOf(used);
        for (KafkaTopic topic : topics) {
            Properties config = new Properties();
            topic.getSpec().getConfig().forEach((k, v) -> config.setProperty(k, String.valueOf(v)));
            // The broker's own check of topic settings: names and values.
            assertThatCode(() -> LogConfig.validate(config))
                    .as(topic.getSpec().getTopicName())
                    .doesNotThrowAnyException();
            assertThat(Integer.parseInt(config.getProperty("min.insync.replicas")))
                    .as(
                            "%s survives a broker's loss with acks=all",
                            topic.getSpec().getTopicName())
                    .isLessThan(topic.getSpec().getReplicas());
            assertThat(topic.getMetadata().getLabels()).containsKey("strimzi.io/cluster");
        }
        assertThat(topics)
                .filteredOn(t -> Set.of("provisioning.completions", "provisioning.audit")
                        .contains(t.getSpec().getTopicName()))
                .as("one record per request or event, all kept")
                .allSatisfy(t -> assertThat(t.getSpec().getConfig().get("cleanup.policy"))
                        .isEqualTo("delete"));
        assertThat(topics)
                .filteredOn(t -> t.getSpec().getTopicName().equals(AuditConfig.HEADS_TOPIC))
                .as("only each key's latest head matters")
                .singleElement()
                .satisfies(t -> assertThat(t.getSpec().getConfig().get("cleanup.policy"))
                        .isEqualTo("compact"));
    }

    /**
     * A pod frozen whole (JVM, CLI and watchdog) is fenced by the kubelet alone: liveness must kill it before its
     * last lease renewal lapses; and a live replica's CLI must die before its lease can lapse.
     */
    @Test
    void aFrozenPodIsKilledBeforeItsStacksLeasesLapse() {
        List<JsonNode> objects = Kustomize.build(EXAMPLE);
        Map<String, String> env = environment(objects);
        Duration lease = setting(env, "provisioner.leases.duration", LeaseConfig.class, "duration");
        Duration renew = setting(env, "provisioner.leases.renew-interval", LeaseConfig.class, "renewInterval");
        Duration freshness = setting(env, "provisioner.leases.freshness", LeaseConfig.class, "freshness");
        Duration watchdog = setting(env, "provisioner.engine.watchdog-timeout", EngineConfig.class, "watchdogTimeout");
        Probe liveness = container(objects).getLivenessProbe();

        Duration killed = Duration.ofSeconds(liveness.getPeriodSeconds() * liveness.getFailureThreshold()
                + liveness.getTimeoutSeconds()
                + liveness.getTerminationGracePeriodSeconds());
        assertThat(killed.plus(renew))
                .as("liveness kills a frozen pod (%s) within a renewal (%s) of the lease (%s)", killed, renew, lease)
                .isLessThan(lease);
        assertThat(freshness.plus(watchdog).plus(LeaseConfig.KILL_MARGIN))
                .as("a CLI outlives its lease's last proof by freshness + watchdog + the kill")
                .isLessThan(lease);
    }

    private static void assertProbe(Probe probe, String path) {
        assertThat(probe).as(path).isNotNull();
        assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
        assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("http");
    }

    /**
     * A duration setting as the pods get it: the ConfigMap's environment, else application.properties, else
     * the {@code @WithDefault} of its config method.
     */
    private static Duration setting(Map<String, String> env, String key, Class<?> configClass, String method) {
        String value = env.get(key.toUpperCase().replaceAll("[.-]", "_"));
        if (value == null) {
            value = applicationProperties().getProperty(key);
        }
        if (value == null) {
            try {
                value = configClass
                        .getMethod(method)
                        .getAnnotation(WithDefault.class)
                        .value();
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException(e);
            }
        }
        return DurationConverter.parseDuration(value);
    }

    private static String leaseTopic() {
        try {
            return LeaseConfig.class
                    .getMethod("topic")
                    .getAnnotation(WithDefault.class)
                    .value();
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String env(Container container, String name) {
        return container.getEnv().stream()
                .filter(e -> e.getName().equals(name))
                .map(EnvVar::getValue)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in the container's env"));
    }

    /** The service's environment: the ConfigMap that is not the program catalog. */
    private static Map<String, String> environment(List<JsonNode> objects) {
        List<ConfigMap> maps = all(objects, ConfigMap.class).stream()
                .filter(map -> !map.getMetadata().getName().equals("provisioner-programs"))
                .toList();
        assertThat(maps).hasSize(1);
        return maps.get(0).getData();
    }

    private static PodSpec pod(List<JsonNode> objects) {
        return one(objects, Deployment.class).getSpec().getTemplate().getSpec();
    }

    private static Container container(List<JsonNode> objects) {
        assertThat(pod(objects).getContainers()).hasSize(1);
        return pod(objects).getContainers().get(0);
    }

    private static <T> T one(List<JsonNode> objects, Class<T> model) {
        List<T> found = all(objects, model);
        assertThat(found).as(model.getSimpleName()).hasSize(1);
        return found.get(0);
    }

    private static <T> List<T> all(List<JsonNode> objects, Class<T> model) {
        return objects.stream()
                .filter(o -> o.path("kind").asText().equals(model.getSimpleName()))
                .map(o -> ApiModels.read(o, model))
                .toList();
    }

    /** The service's application.properties, without the profile-specific lines. */
    private static Properties applicationProperties() {
        Properties all = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("src/main/resources/application.properties"))) {
            all.load(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Properties common = new Properties();
        all.stringPropertyNames().stream()
                .filter(key -> !key.startsWith("%"))
                .forEach(key -> common.setProperty(key, all.getProperty(key)));
        return common;
    }

    private static JsonNode yaml(String text) {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
