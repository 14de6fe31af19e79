package dev.provisioner.support;

import io.quarkus.test.common.WithTestResource;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The real parts every integration test runs against: a Kafka broker, the pinned Pulumi CLI with a
 * {@code file://} backend (exporting its own spans to a file) and the YAML language host beside it, a program
 * catalog directory, and an OTLP/HTTP endpoint. Test classes
 * that carry it share one application.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@WithTestResource(KafkaBrokerResource.class)
@WithTestResource(PulumiCliResource.class)
@WithTestResource(YamlProgramsResource.class)
@WithTestResource(OtlpReceiverResource.class)
@WithTestResource(CliTracesResource.class)
public @interface RealParts {}
