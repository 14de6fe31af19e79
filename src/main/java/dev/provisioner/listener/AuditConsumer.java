package dev.provisioner.listener;

import dev.provisioner.Channels;
import dev.provisioner.run.AuditFollower;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Reads every audit record, this replica's and the others', so that the REST API follows a request while
 * another replica runs it: its status and its engine events, live (see {@link AuditFollower}).
 */
@ApplicationScoped
public class AuditConsumer {

    private final AuditFollower follower;

    public AuditConsumer(AuditFollower follower) {
        this.follower = follower;
    }

    @Incoming(Channels.ALL_AUDIT)
    public void consume(ConsumerRecord<String, String> record) {
        follower.follow(header(record, "ce_id"), header(record, "ce_type"), header(record, "ce_time"), record.value());
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
