package dev.provisioner.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.provisioner.support.OtlpReceiver;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import io.opentelemetry.proto.resource.v1.Resource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalOtlpPrinterTest {

    private static final String TOKEN = "tenant-secret-token";

    @Test
    void printsOneLinePerRecordUnderItsResourceAndNeverTheToken() {
        var request = ExportLogsServiceRequest.newBuilder()
                .addResourceLogs(ResourceLogs.newBuilder()
                        .setResource(Resource.newBuilder()
                                .addAttributes(attribute("appcode", "DEMO"))
                                .addAttributes(attribute("com.redhat.otel.auth_token", TOKEN)))
                        .addScopeLogs(ScopeLogs.newBuilder()
                                .addLogRecords(record("pulumi.resource.pre", "create pulumi:index:Stash demo-0"))
                                .addLogRecords(record("pulumi.summary", "succeeded: create=5"))))
                .build();
        var export = new OtlpReceiver.Export(Map.of("Authorization", List.of("Bearer " + TOKEN)), request);

        var out = new ByteArrayOutputStream();
        LocalOtlpPrinter.print(export, new PrintStream(out, true, StandardCharsets.UTF_8));
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();

        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).contains("2 record(s)", "authorization: Bearer ****");
        assertThat(lines.get(1)).contains("appcode=DEMO", "com.redhat.otel.auth_token=****");
        assertThat(lines.get(2)).contains("INFO", "pulumi.resource.pre", "create pulumi:index:Stash demo-0");
        assertThat(lines.get(3)).contains("pulumi.summary", "succeeded: create=5");
        assertThat(lines).noneMatch(line -> line.contains(TOKEN));
    }

    private static KeyValue attribute(String key, String value) {
        return KeyValue.newBuilder()
                .setKey(key)
                .setValue(AnyValue.newBuilder().setStringValue(value))
                .build();
    }

    private static LogRecord record(String eventName, String body) {
        return LogRecord.newBuilder()
                .setEventName(eventName)
                .setSeverityNumber(SeverityNumber.SEVERITY_NUMBER_INFO)
                .setObservedTimeUnixNano(1_795_496_257_000_000_000L)
                .setBody(AnyValue.newBuilder().setStringValue(body))
                .build();
    }
}
