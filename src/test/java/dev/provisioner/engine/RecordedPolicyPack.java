package dev.provisioner.engine;

import com.google.protobuf.Empty;
import com.google.protobuf.Value;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import pulumirpc.AnalyzerGrpc;
import pulumirpc.AnalyzerOuterClass.AnalyzeDiagnostic;
import pulumirpc.AnalyzerOuterClass.AnalyzeRequest;
import pulumirpc.AnalyzerOuterClass.AnalyzeResponse;
import pulumirpc.AnalyzerOuterClass.AnalyzerInfo;
import pulumirpc.AnalyzerOuterClass.EnforcementLevel;
import pulumirpc.AnalyzerOuterClass.PolicyInfo;
import pulumirpc.AnalyzerOuterClass.PolicySeverity;
import pulumirpc.Plugin.PluginInfo;

/**
 * A local policy pack for recording policy events from the real CLI, where no Node or Python policy host is
 * installed. The engine runs a pack whose runtime has no language plugin through an executable named
 * {@code pulumi-analyzer-policy-<runtime>} on its PATH (pulumi v3.259.0,
 * {@code sdk/go/common/resource/plugin/analyzer_plugin.go}, {@code NewPolicyAnalyzer}); ours only prints the port
 * of the analyzer this class serves over gRPC in the recording JVM, as every plugin announces its port, and
 * waits to be stopped. The engine then speaks the Analyzer protocol to it as to any policy pack.
 *
 * <p>Two policies on {@code pulumi:index:Stash}: an advisory one on short inputs, a mandatory one that forbids
 * the input {@value #FORBIDDEN_INPUT}.
 */
final class RecordedPolicyPack implements AutoCloseable {

    static final String RUNTIME = "recorder";
    static final String NAME = "recorded-policies";
    static final String VERSION = "0.1.0";
    static final String ADVISORY_POLICY = "stash-input-length";
    static final String MANDATORY_POLICY = "stash-input-allowed";
    static final String FORBIDDEN_INPUT = "forbidden";
    private static final int MIN_LENGTH = 8;

    private final Server server;
    private final Path packDir;
    private final Path binDir;

    private RecordedPolicyPack(Server server, Path packDir, Path binDir) {
        this.server = server;
        this.packDir = packDir;
        this.binDir = binDir;
    }

    /** Serves the analyzer and writes the pack ({@code PulumiPolicy.yaml}) and its launcher under {@code dir}. */
    static RecordedPolicyPack start(Path dir) throws IOException {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new Analyzer())
                .build()
                .start();
        Path packDir = Files.createDirectories(dir.resolve("pack"));
        Files.writeString(packDir.resolve("PulumiPolicy.yaml"), "runtime: " + RUNTIME + "\nversion: " + VERSION + "\n");
        Path binDir = Files.createDirectories(dir.resolve("bin"));
        Path launcher = binDir.resolve("pulumi-analyzer-policy-" + RUNTIME);
        Files.writeString(launcher, "#!/bin/sh\necho " + server.getPort() + "\nexec sleep 600\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new RecordedPolicyPack(server, packDir, binDir);
    }

    /** What {@code --policy-pack} names. */
    Path packDir() {
        return packDir;
    }

    /** The directory to put first on the CLI's PATH. */
    Path binDir() {
        return binDir;
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }

    private static final class Analyzer extends AnalyzerGrpc.AnalyzerImplBase {

        @Override
        public void getAnalyzerInfo(Empty request, StreamObserver<AnalyzerInfo> response) {
            reply(
                    response,
                    AnalyzerInfo.newBuilder()
                            .setName(NAME)
                            .setVersion(VERSION)
                            .addPolicies(PolicyInfo.newBuilder()
                                    .setName(ADVISORY_POLICY)
                                    .setDescription("Stash inputs of at least " + MIN_LENGTH + " characters")
                                    .setEnforcementLevel(EnforcementLevel.ADVISORY)
                                    .setSeverity(PolicySeverity.POLICY_SEVERITY_LOW))
                            .addPolicies(PolicyInfo.newBuilder()
                                    .setName(MANDATORY_POLICY)
                                    .setDescription("No stash holds '" + FORBIDDEN_INPUT + "'")
                                    .setEnforcementLevel(EnforcementLevel.MANDATORY)
                                    .setSeverity(PolicySeverity.POLICY_SEVERITY_HIGH))
                            .build());
        }

        @Override
        public void getPluginInfo(Empty request, StreamObserver<PluginInfo> response) {
            reply(response, PluginInfo.newBuilder().setVersion(VERSION).build());
        }

        @Override
        public void analyze(AnalyzeRequest request, StreamObserver<AnalyzeResponse> response) {
            var result = AnalyzeResponse.newBuilder();
            Value input = request.getProperties().getFieldsMap().get("input");
            if ("pulumi:index:Stash".equals(request.getType()) && input != null && input.hasStringValue()) {
                String text = input.getStringValue();
                if (text.length() < MIN_LENGTH) {
                    result.addDiagnostics(diagnostic(request, ADVISORY_POLICY, EnforcementLevel.ADVISORY)
                            .setMessage("input '" + text + "' has " + text.length() + " characters, fewer than "
                                    + MIN_LENGTH));
                }
                if (FORBIDDEN_INPUT.equals(text)) {
                    result.addDiagnostics(diagnostic(request, MANDATORY_POLICY, EnforcementLevel.MANDATORY)
                            .setMessage("input '" + text + "' is not allowed"));
                }
            }
            reply(response, result.build());
        }

        private static AnalyzeDiagnostic.Builder diagnostic(
                AnalyzeRequest request, String policy, EnforcementLevel level) {
            return AnalyzeDiagnostic.newBuilder()
                    .setPolicyName(policy)
                    .setPolicyPackName(NAME)
                    .setPolicyPackVersion(VERSION)
                    .setEnforcementLevel(level)
                    .setUrn(request.getUrn());
        }

        private static <T> void reply(StreamObserver<T> response, T value) {
            response.onNext(value);
            response.onCompleted();
        }
    }
}
