package dev.provisioner.listener;

import dev.provisioner.run.RunsConfig;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a replica starts reading what every replica reads (the audit records and the completions, each in a
 * group of its own): {@code provisioner.runs.follow-look-back} before it started, so that a replica that
 * starts while requests run (a rolling restart) knows them. A partition assigned again later goes on from
 * where the group left it.
 */
@ApplicationScoped
@Identifier(LookBack.NAME)
public class LookBack implements KafkaConsumerRebalanceListener {

    /** The name the channels give as {@code consumer-rebalance-listener.name}. */
    public static final String NAME = "look-back";

    private final Clock clock;
    private final RunsConfig config;
    private final Set<TopicPartition> started = ConcurrentHashMap.newKeySet();

    public LookBack(Clock clock, RunsConfig config) {
        this.clock = clock;
        this.config = config;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        long since = clock.millis() - config.followLookBack().toMillis();
        Map<TopicPartition, Long> first = new HashMap<>();
        partitions.stream().filter(started::add).forEach(partition -> first.put(partition, since));
        if (first.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(first);
        first.keySet().forEach(partition -> {
            OffsetAndTimestamp offset = offsets.get(partition);
            if (offset == null) {
                consumer.seekToEnd(List.of(partition));
            } else {
                consumer.seek(partition, offset.offset());
            }
        });
    }
}
