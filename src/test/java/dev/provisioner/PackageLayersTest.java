package dev.provisioner;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The package graph of the service's own code follows the data path, request → run → engine → sinks →
 * completion, with the message contracts and the engine event model at the bottom: no package imports one
 * above it, and there are no cycles. The README's anatomy table lists the same layers.
 */
class PackageLayersTest {

    private static final JavaClasses SERVICE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.provisioner");

    @Test
    void noPackageCycles() {
        slices().matching("dev.provisioner.(*)..").should().beFreeOfCycles().check(SERVICE);
    }

    @Test
    void dependenciesPointDownTheDataPath() {
        layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("api")
                .definedBy("dev.provisioner.api..")
                .layer("listener")
                .definedBy("dev.provisioner.listener..")
                .layer("health")
                .definedBy("dev.provisioner.health..")
                .layer("demo")
                .definedBy("dev.provisioner.demo..")
                .layer("request")
                .definedBy("dev.provisioner.request..")
                .layer("run")
                .definedBy("dev.provisioner.run..")
                .layer("lease")
                .definedBy("dev.provisioner.lease..")
                .layer("engine")
                .definedBy("dev.provisioner.engine..")
                .layer("verify")
                .definedBy("dev.provisioner.verify..")
                .layer("audit")
                .definedBy("dev.provisioner.audit")
                .layer("chain")
                .definedBy("dev.provisioner.audit.chain..")
                .layer("telemetry")
                .definedBy("dev.provisioner.telemetry..")
                .layer("completion")
                .definedBy("dev.provisioner.completion..")
                .layer("event")
                .definedBy("dev.provisioner.event..")
                .layer("contract")
                .definedBy("dev.provisioner.contract..")
                .whereLayer("api")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("listener")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("health")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("demo")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("request")
                .mayOnlyBeAccessedByLayers("api", "listener")
                .whereLayer("run")
                .mayOnlyBeAccessedByLayers("api", "listener")
                // A run holds its stack's lease; readiness asks whether leases can be had.
                .whereLayer("lease")
                .mayOnlyBeAccessedByLayers("run", "health")
                // A lease is the engine's fence (StackFence), and is checked against its watchdog's timeout.
                .whereLayer("engine")
                .mayOnlyBeAccessedByLayers("api", "health", "demo", "request", "run", "lease")
                .whereLayer("verify")
                .mayOnlyBeAccessedByLayers("api")
                .whereLayer("audit")
                .mayOnlyBeAccessedByLayers("run")
                // The chain's definition is shared by its writer and its verifier, and by nothing else.
                .whereLayer("chain")
                .mayOnlyBeAccessedByLayers("audit", "verify")
                // The intake checks a request's OTLP endpoint against the sink's allowlist.
                .whereLayer("telemetry")
                .mayOnlyBeAccessedByLayers("request", "run")
                .whereLayer("completion")
                .mayOnlyBeAccessedByLayers("run")
                .whereLayer("event")
                .mayOnlyBeAccessedByLayers("api", "run", "engine", "audit", "telemetry")
                .check(SERVICE);
    }

    @Test
    void contractsImportNothingOfOurs() {
        noClasses()
                .that()
                .resideInAPackage("dev.provisioner.contract..")
                .should()
                .dependOnClassesThat()
                .resideOutsideOfPackages("dev.provisioner.contract..", "java..", "com.fasterxml.jackson..")
                .check(SERVICE);
    }

    /**
     * The verifier runs without the service (the {@code VerifyAudit} command), and an auditor reads it against
     * the README: it shares only the chain's definition with the writer. Its configuration mapping is the
     * service's side of it, read by the REST API alone.
     */
    @Test
    void theVerifierNeedsTheChainAndKafkaAndJacksonOnly() {
        noClasses()
                .that()
                .resideInAPackage("dev.provisioner.verify..")
                .and()
                .doNotHaveSimpleName("VerificationConfig")
                .should()
                .dependOnClassesThat()
                .resideOutsideOfPackages(
                        "dev.provisioner.verify..",
                        "dev.provisioner.audit.chain..",
                        "java..",
                        "org.apache.kafka..",
                        "com.fasterxml.jackson..")
                .check(SERVICE);
    }
}
