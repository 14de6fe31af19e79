package dev.provisioner.listener;

import dev.provisioner.Channels;
import dev.provisioner.run.Handover;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import io.smallrye.reactive.messaging.kafka.impl.ReactiveKafkaConsumer;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Default;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Hands the intake's partitions to the next owner only once the runs of their stacks are done, and tells it
 * which records are done already, so that nothing runs twice or beside itself.
 *
 * <p>SmallRye's throttled commit, on a revocation, commits the offsets processed so far, drops the records it
 * had prefetched from those partitions, and ignores acknowledgements that come later. So in the revocation
 * (which Kafka waits for, up to {@code max.poll.interval.ms}) this waits for the partitions' runs
 * ({@link Handover}: the hand-over grace, then they are cancelled), then commits past every record done in an
 * unbroken line from the committed offset, and names the records done beyond the first one not done in the
 * commit's metadata ({@value #DONE_PREFIX}{@code 17,19}): the next owner acknowledges those without running
 * them. A record this replica leaves to be delivered again (it is shutting down, or the partition is leaving)
 * is held until its partition has gone, then acknowledged, which the commit then ignores.
 *
 * <p>On shutdown, once the runs under way are done ({@code GracefulShutdown}), the intake's consumer is
 * closed, which revokes its partitions the same way and leaves the group at once: the next owner need not
 * wait for the session timeout.
 */
@ApplicationScoped
@Default // also injected as itself, into the intake
@Identifier(PartitionHandover.NAME)
public class PartitionHandover implements KafkaConsumerRebalanceListener {

    private static final Logger LOG = Logger.getLogger(PartitionHandover.class);

    /** The name the requests channel gives as {@code consumer-rebalance-listener.name}. */
    public static final String NAME = "request-handover";

    /** A committed offset's metadata: the records after it that are done, {@code done:17,19}. */
    static final String DONE_PREFIX = "done:";

    /** Below Kafka's {@code offset.metadata.max.bytes} (4096); records left out run again, known to history. */
    static final int MAX_METADATA = 3000;

    /** Done offsets kept per partition; older ones are long committed. */
    static final int MAX_DONE = 10_000;

    /** How long a record left behind waits for its partition to go before the channel is stopped instead. */
    static final Duration LEAVE_LIMIT = Duration.ofMinutes(10);

    private final Handover handover;
    private final KafkaClientService clients;

    // Guarded by this.
    private final Set<TopicPartition> owned = new HashSet<>();
    private final Map<TopicPartition, Map<Long, String>> inFlight = new HashMap<>();
    private final Map<TopicPartition, TreeSet<Long>> done = new HashMap<>();
    private final Map<TopicPartition, TreeSet<Long>> doneBefore = new HashMap<>();

    public PartitionHandover(Handover handover, KafkaClientService clients) {
        this.handover = handover;
        this.clients = clients;
    }

    /** Whether the partition's previous owner ran this record already: then it is acknowledged, not run. */
    synchronized boolean doneBefore(ConsumerRecord<?, ?> record) {
        TopicPartition partition = partition(record);
        TreeSet<Long> before = doneBefore.get(partition);
        if (before == null || !before.remove(record.offset())) {
            return false;
        }
        markDone(partition, record.offset());
        return true;
    }

    /** Takes a record to run, unless its partition is leaving this replica (or has left). */
    synchronized boolean take(ConsumerRecord<?, ?> record) {
        TopicPartition partition = partition(record);
        if (!owned.contains(partition)) {
            return false;
        }
        inFlight.computeIfAbsent(partition, p -> new HashMap<>()).put(record.offset(), null);
        return true;
    }

    /**
     * The stack ({@code project/stack}) of a record taken to run: if its partition leaves before it is done, its
     * run may be cancelled.
     */
    synchronized void runs(ConsumerRecord<?, ?> record, String stack) {
        Map<Long, String> offsets = inFlight.get(partition(record));
        if (offsets != null && offsets.containsKey(record.offset())) {
            offsets.put(record.offset(), stack);
        }
    }

    /** A record taken is done (its completion published, or it was rejected), or was left undone. */
    synchronized void finish(ConsumerRecord<?, ?> record, boolean isDone) {
        TopicPartition partition = partition(record);
        Map<Long, String> offsets = inFlight.get(partition);
        if (offsets != null) {
            offsets.remove(record.offset());
        }
        if (isDone) {
            markDone(partition, record.offset());
        }
        notifyAll();
    }

    /**
     * Waits until the record's partition has left this replica: its acknowledgement then commits nothing, and
     * the next owner gets the record.
     *
     * @return false when the partition did not leave within {@link #LEAVE_LIMIT}
     */
    synchronized boolean awaitHandedOver(ConsumerRecord<?, ?> record) {
        long deadline = System.nanoTime() + LEAVE_LIMIT.toNanos();
        TopicPartition partition = partition(record);
        while (owned.contains(partition)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions));
        synchronized (this) {
            owned.addAll(partitions);
            for (TopicPartition partition : partitions) {
                done.remove(partition);
                TreeSet<Long> before = parse(committed.get(partition));
                if (before.isEmpty()) {
                    doneBefore.remove(partition);
                } else {
                    doneBefore.put(partition, before);
                    LOG.infof("%s: records %s after the committed offset are done already", partition, before);
                }
            }
        }
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        synchronized (this) {
            owned.removeAll(partitions);
            notifyAll();
        }
        if (!idle(partitions)) {
            LOG.infof("handing over %s: waiting for the runs of their stacks", partitions);
            handover.await(() -> idle(partitions), () -> stacks(partitions));
        }
        commit(consumer, partitions);
        synchronized (this) {
            partitions.forEach(partition -> {
                done.remove(partition);
                doneBefore.remove(partition);
                inFlight.remove(partition);
            });
        }
    }

    /** After the runs under way are done ({@code GracefulShutdown}, priority 1), before the connectors close. */
    void handOver(@Observes @Priority(2) ShutdownEvent event) {
        if (clients.getConsumer(Channels.REQUESTS) instanceof ReactiveKafkaConsumer<?, ?> consumer) {
            // The close SmallRye makes when a channel fails: it revokes the partitions here, and leaves the group.
            consumer.close();
        }
    }

    private synchronized boolean idle(Collection<TopicPartition> partitions) {
        return partitions.stream().map(inFlight::get).filter(Objects::nonNull).allMatch(Map::isEmpty);
    }

    private synchronized Set<String> stacks(Collection<TopicPartition> partitions) {
        Set<String> ids = new HashSet<>();
        partitions.stream()
                .map(inFlight::get)
                .filter(Objects::nonNull)
                .forEach(offsets ->
                        offsets.values().stream().filter(Objects::nonNull).forEach(ids::add));
        return ids;
    }

    /** Commits past the records done in an unbroken line, naming those done beyond it. */
    private void commit(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions));
            synchronized (this) {
                for (TopicPartition partition : partitions) {
                    TreeSet<Long> finished = new TreeSet<>(done.getOrDefault(partition, new TreeSet<>()));
                    finished.addAll(doneBefore.getOrDefault(partition, new TreeSet<>()));
                    if (finished.isEmpty()) {
                        continue;
                    }
                    OffsetAndMetadata last = committed.get(partition);
                    long base = last != null
                            ? last.offset()
                            : consumer.beginningOffsets(List.of(partition)).get(partition);
                    long offset = base;
                    while (finished.contains(offset)) {
                        offset++;
                    }
                    TreeSet<Long> beyond = new TreeSet<>(finished.tailSet(offset, false));
                    if (offset != base || !beyond.isEmpty()) {
                        next.put(partition, new OffsetAndMetadata(offset, metadata(beyond)));
                    }
                }
            }
            if (!next.isEmpty()) {
                consumer.commitSync(next);
                LOG.infof("handed over with %s", next);
            }
        } catch (KafkaException e) {
            // Lost rather than revoked (this replica was out of the group): the next owner knows from the history.
            LOG.warnf("handing over %s: commit %s failed: %s", partitions, next, e);
        }
    }

    private void markDone(TopicPartition partition, long offset) {
        TreeSet<Long> offsets = done.computeIfAbsent(partition, p -> new TreeSet<>());
        offsets.add(offset);
        while (offsets.size() > MAX_DONE) {
            offsets.pollFirst();
        }
    }

    static String metadata(TreeSet<Long> beyond) {
        if (beyond.isEmpty()) {
            return null;
        }
        StringBuilder text = new StringBuilder(DONE_PREFIX);
        for (long offset : beyond) {
            String next = (text.length() > DONE_PREFIX.length() ? "," : "") + offset;
            if (text.length() + next.length() > MAX_METADATA) {
                break;
            }
            text.append(next);
        }
        return text.toString();
    }

    static TreeSet<Long> parse(OffsetAndMetadata committed) {
        TreeSet<Long> offsets = new TreeSet<>();
        if (committed == null
                || committed.metadata() == null
                || !committed.metadata().startsWith(DONE_PREFIX)) {
            return offsets;
        }
        String list = committed.metadata().substring(DONE_PREFIX.length());
        if (list.isEmpty()) {
            return offsets;
        }
        try {
            offsets.addAll(Set.of(list.split(",")).stream().map(Long::parseLong).collect(Collectors.toSet()));
        } catch (NumberFormatException e) {
            LOG.warnf("committed metadata %s of %s not understood: ignored", committed.metadata(), committed);
        }
        return new TreeSet<>(offsets.tailSet(committed.offset(), false));
    }

    private static TopicPartition partition(ConsumerRecord<?, ?> record) {
        return new TopicPartition(record.topic(), record.partition());
    }
}
