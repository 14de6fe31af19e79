package dev.provisioner.lease;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.provisioner.DaemonThreads;
import dev.provisioner.engine.EngineConfig;
import dev.provisioner.engine.Workspaces;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * The leases of stacks, on a compacted topic keyed {@code project/stack}: one holder at a time may run a stack's
 * CLI. Every replica reads the whole topic (all partitions, from the start) and keeps, for each key, the record
 * it accepted last and when it saw it, by its own monotonic clock: hosts' clocks may disagree, only their rates
 * matter. Whether a record is accepted depends on the topic's order alone, so every reader agrees:
 *
 * <ul>
 *   <li>the first record of a key is accepted;
 *   <li>a record of the current holder's epoch and run (a renewal, a release) is accepted;
 *   <li>a record of a higher epoch is accepted only when it names, as {@code prev}, the offset of the record
 *       accepted last: a take decided on what the topic held when it was written;
 *   <li>anything else (a late renewal of a lease taken over, the second of two racing takes) is not.
 * </ul>
 *
 * A lease may be taken when it was released, or when this replica has seen no accepted change of it for
 * {@code duration}, after catching up with the topic's end. README, "Crashes and shutdown", has the argument.
 */
@ApplicationScoped
public class StackLeases {

    private static final Logger LOG = Logger.getLogger(StackLeases.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration STEP = Duration.ofMillis(20);
    /** How long a backend's answer counts, and how often a lease waiting for the backend asks again. */
    private static final Duration BACKEND_RETRY = Duration.ofSeconds(2);

    private static final Duration BACKEND_TIMEOUT = Duration.ofSeconds(5);
    private static final String HELD = "held";
    private static final String RELEASED = "released";

    /** What this replica accepted last for a key, and when it saw it ({@link System#nanoTime()}). */
    record Entry(long offset, String holder, String run, long epoch, boolean released, long seenNanos) {}

    private final LeaseConfig config;
    private final Workspaces workspaces;
    private final Map<String, Object> kafka;
    private final ObjectMapper mapper;
    private final String instance;
    private final Map<String, Entry> current = new ConcurrentHashMap<>();
    private final Map<String, Lease> mine = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
    private final Set<String> abandonedWaits = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService renewals =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("lease-renewals"));
    private final AtomicLong renewalNumbers = new AtomicLong();
    // Never caught up, never asked yet: as long ago as nanoTime can say without overflowing a difference.
    private volatile long caughtUpNanos = System.nanoTime() - Duration.ofDays(1).toNanos();
    private volatile long backendCheckedNanos =
            System.nanoTime() - Duration.ofDays(1).toNanos();
    private volatile boolean backendAnswered;
    private volatile boolean running;
    private KafkaProducer<String, String> producer;
    private KafkaConsumer<String, String> ends;
    private List<TopicPartition> partitions;
    private Thread reader;

    public StackLeases(
            LeaseConfig config,
            EngineConfig engine,
            Workspaces workspaces,
            @Identifier("default-kafka-broker") Map<String, Object> kafka,
            ObjectMapper mapper) {
        this.config = config;
        this.workspaces = workspaces;
        this.kafka = Map.copyOf(kafka);
        this.mapper = mapper;
        this.instance = hostname() + "/" + UUID.randomUUID().toString().substring(0, 8);
        Duration margin = config.freshness().plus(engine.watchdogTimeout()).plus(LeaseConfig.KILL_MARGIN);
        if (config.enabled() && margin.compareTo(config.duration()) >= 0) {
            throw new IllegalStateException("provisioner.leases.duration (" + config.duration()
                    + ") must exceed leases.freshness + engine.watchdog-timeout + " + LeaseConfig.KILL_MARGIN
                    + " (" + margin + "): a lost lease's CLI could outlive it");
        }
        if (config.freshness().compareTo(config.renewInterval().multipliedBy(2)) < 0) {
            throw new IllegalStateException("provisioner.leases.freshness (" + config.freshness()
                    + ") must be at least twice leases.renew-interval (" + config.renewInterval() + ")");
        }
    }

    /** Whether runs take leases. */
    public boolean enabled() {
        return config.enabled();
    }

    /** This replica as the leases name it: {@code hostname/instance}. */
    public String instance() {
        return instance;
    }

    /** Whether the reader caught up with the topic's end within the last {@code catchUpTimeout}. */
    public boolean caughtUpRecently() {
        return running
                && System.nanoTime() - caughtUpNanos < config.catchUpTimeout().toNanos();
    }

    void start(@Observes StartupEvent event) {
        if (config.enabled()) {
            started();
        }
    }

    /**
     * Takes {@code key}'s lease for a run, waiting while another replica holds it: until it is released, or
     * until this replica has seen it unchanged for {@code duration}.
     *
     * @throws LeaseUnavailableException when the topic cannot be caught up with, or {@link #stopWaiting} was
     *     called for the key meanwhile
     */
    public Lease take(String key) throws InterruptedException {
        started();
        String run = UUID.randomUUID().toString().substring(0, 8);
        abandonedWaits.remove(key);
        boolean waited = false;
        while (true) {
            if (abandonedWaits.remove(key)) {
                throw new LeaseUnavailableException("stopped waiting for the lease of " + key);
            }
            catchUp(config.catchUpTimeout());
            Entry cur = current.get(key);
            boolean free = cur == null
                    || cur.released()
                    || System.nanoTime() - cur.seenNanos() >= config.duration().toNanos();
            if (free && !mine.containsKey(key) && !backendAnswers()) {
                // A lease taken now would only fail its run: the request waits here for the backend instead.
                if (!waited) {
                    LOG.warnf("stack %s: the state backend does not answer; the lease is not taken until it does", key);
                    waited = true;
                }
                Thread.sleep(BACKEND_RETRY.toMillis());
                continue;
            }
            if (!free || mine.containsKey(key)) {
                if (!waited) {
                    LOG.infof("stack %s: waiting for the lease %s holds", key, cur == null ? "?" : cur.holder());
                    waited = true;
                }
                Thread.sleep(POLL.toMillis());
                continue;
            }
            long epoch = cur == null ? 1 : cur.epoch() + 1;
            String takenFrom = cur == null || cur.released() ? null : cur.holder() + " (epoch " + cur.epoch() + ")";
            var lease = new Lease(
                    this, key, run, epoch, takenFrom, config.freshness().toNanos());
            mine.put(key, lease);
            long offset;
            try {
                offset = send(lease, HELD, cur == null ? -1 : cur.offset())
                        .get(config.catchUpTimeout().toMillis(), TimeUnit.MILLISECONDS)
                        .offset();
                awaitPosition(new TopicPartition(config.topic(), partitionOf(key)), offset + 1);
            } catch (ExecutionException | TimeoutException e) {
                mine.remove(key, lease);
                throw new LeaseUnavailableException("the lease of " + key + " could not be written: " + e, e);
            }
            Entry now = current.get(key);
            if (now != null && now.offset() == offset) {
                lease.renewing(renewals.scheduleAtFixedRate(
                        () -> renew(lease),
                        config.renewInterval().toMillis(),
                        config.renewInterval().toMillis(),
                        TimeUnit.MILLISECONDS));
                if (takenFrom != null) {
                    LOG.warnf(
                            "stack %s: lease taken over from %s, unrenewed for %s", key, takenFrom, config.duration());
                }
                return lease;
            }
            // Another record came first: the topic decides, and the next round reads it.
            mine.remove(key, lease);
        }
    }

    /** Stops a {@link #take} that waits for {@code key}'s lease (the stack's partition went to another replica). */
    public void stopWaiting(Set<String> keys) {
        abandonedWaits.addAll(keys);
    }

    void ended(Lease lease, boolean release) {
        try {
            if (release) {
                send(lease, RELEASED, -1).get(config.catchUpTimeout().toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warnf(
                    "stack %s: the lease's release was not written (%s); it lapses in %s",
                    lease.key(), e, config.duration());
        } finally {
            mine.remove(lease.key(), lease);
        }
    }

    private void renew(Lease lease) {
        if (lease.ended() || lease.lost()) {
            return;
        }
        send(lease, HELD, -1);
    }

    private java.util.concurrent.Future<RecordMetadata> send(Lease lease, String state, long prev) {
        long renewal = renewalNumbers.incrementAndGet();
        var value = mapper.createObjectNode()
                .put("holder", instance)
                .put("run", lease.run())
                .put("epoch", lease.epoch())
                .put("state", state)
                .put("prev", prev)
                .put("renewal", renewal);
        lease.sent(renewal, System.nanoTime());
        return producer.send(new ProducerRecord<>(config.topic(), lease.key(), value.toString()));
    }

    private void apply(ConsumerRecord<String, String> record, long seenNanos) {
        if (record.key() == null || record.value() == null) {
            return;
        }
        JsonNode value;
        try {
            value = mapper.readTree(record.value());
        } catch (IOException e) {
            return;
        }
        String holder = value.path("holder").asText();
        String run = value.path("run").asText();
        long epoch = value.path("epoch").asLong();
        Entry cur = current.get(record.key());
        boolean accepted = cur == null
                || (epoch == cur.epoch() && holder.equals(cur.holder()) && run.equals(cur.run()))
                || (epoch > cur.epoch() && value.path("prev").asLong() == cur.offset());
        if (!accepted) {
            return;
        }
        current.put(
                record.key(),
                new Entry(
                        record.offset(),
                        holder,
                        run,
                        epoch,
                        RELEASED.equals(value.path("state").asText()),
                        seenNanos));
        Lease lease = mine.get(record.key());
        if (lease != null) {
            lease.observed(holder, instance, run, epoch, value.path("renewal").asLong());
        }
    }

    /**
     * Whether the shared state backend answers the CLI ({@code stack ls}, as readiness asks it), the answer kept for
     * {@link #BACKEND_RETRY}. A {@code file://} backend is the replica's own: not asked.
     */
    private boolean backendAnswers() {
        try {
            if (workspaces.backendUrl().startsWith("file:")) {
                return true;
            }
        } catch (IOException e) {
            return false;
        }
        if (System.nanoTime() - backendCheckedNanos < BACKEND_RETRY.toNanos()) {
            return backendAnswered;
        }
        boolean answered;
        try {
            workspaces.listStacks(BACKEND_TIMEOUT);
            answered = true;
        } catch (Exception e) {
            LOG.debugf("leases: the state backend does not answer: %s", e.getMessage());
            answered = false;
        }
        backendAnswered = answered;
        backendCheckedNanos = System.nanoTime();
        return answered;
    }

    /** Waits until the reader has read every record the topic held when this was called. */
    private void catchUp(Duration atMost) throws InterruptedException {
        Map<TopicPartition, Long> end;
        synchronized (this) {
            end = ends.endOffsets(partitions, atMost);
        }
        long deadline = System.nanoTime() + atMost.toNanos();
        for (var e : end.entrySet()) {
            awaitPosition(e.getKey(), e.getValue(), deadline);
        }
    }

    private void awaitPosition(TopicPartition partition, long offset) throws InterruptedException {
        awaitPosition(
                partition, offset, System.nanoTime() + config.catchUpTimeout().toNanos());
    }

    private void awaitPosition(TopicPartition partition, long offset, long deadline) throws InterruptedException {
        while (positions.getOrDefault(partition, -1L) < offset) {
            if (!running || System.nanoTime() > deadline) {
                throw new LeaseUnavailableException("the lease topic " + config.topic() + " could not be read to "
                        + partition + "@" + offset + " in time");
            }
            Thread.sleep(STEP.toMillis());
        }
    }

    private int partitionOf(String key) {
        return org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(
                        key.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                % partitions.size();
    }

    private synchronized void started() {
        if (running) {
            return;
        }
        Map<String, Object> common = new HashMap<>(kafka);
        common.keySet().removeIf(name -> name.startsWith("group.") || name.equals("client.id"));
        createTopic(common);
        Map<String, Object> produce = new HashMap<>(common);
        produce.put(ProducerConfig.ACKS_CONFIG, "all");
        produce.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        produce.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        produce.put(
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                (int) config.freshness().toMillis() * 2);
        produce.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int)
                config.freshness().toMillis());
        produce.put(ProducerConfig.CLIENT_ID_CONFIG, "provisioner-leases");
        producer = new KafkaProducer<>(produce, new StringSerializer(), new StringSerializer());
        Map<String, Object> consume = new HashMap<>(common);
        consume.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consume.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        consume.put(ConsumerConfig.CLIENT_ID_CONFIG, "provisioner-leases-reader");
        KafkaConsumer<String, String> tail =
                new KafkaConsumer<>(consume, new StringDeserializer(), new StringDeserializer());
        consume.put(ConsumerConfig.CLIENT_ID_CONFIG, "provisioner-leases-ends");
        ends = new KafkaConsumer<>(consume, new StringDeserializer(), new StringDeserializer());
        partitions = tail.partitionsFor(config.topic(), config.catchUpTimeout()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .sorted(java.util.Comparator.comparingInt(TopicPartition::partition))
                .toList();
        tail.assign(partitions);
        tail.seekToBeginning(partitions);
        running = true;
        reader = new Thread(() -> read(tail), "lease-reader");
        reader.setDaemon(true);
        reader.start();
        LOG.infof(
                "leases: %s reads %d partition(s) of %s; lease %s, freshness %s",
                instance, partitions.size(), config.topic(), config.duration(), config.freshness());
    }

    private void read(KafkaConsumer<String, String> tail) {
        try (tail) {
            while (running) {
                var records = tail.poll(POLL);
                long now = System.nanoTime();
                for (var record : records) {
                    apply(record, now);
                }
                for (TopicPartition partition : partitions) {
                    positions.put(partition, tail.position(partition));
                }
                caughtUpNanos = now;
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "leases: the reader of %s stopped; no lease can be taken or kept", config.topic());
            running = false;
        }
    }

    private void createTopic(Map<String, Object> common) {
        try (Admin admin = Admin.create(common)) {
            admin.createTopics(
                            List.of(new NewTopic(config.topic(), java.util.Optional.empty(), java.util.Optional.empty())
                                    .configs(Map.of(
                                            "cleanup.policy", "compact",
                                            // A record is compacted away only once far older than any lease.
                                            "min.compaction.lag.ms", "3600000"))))
                    .all()
                    .get(config.catchUpTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                LOG.warnf("leases: topic %s not created (%s); it must exist", config.topic(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TimeoutException | RuntimeException e) {
            LOG.warnf("leases: topic %s not created (%s); it must exist", config.topic(), e);
        }
    }

    private static String hostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    @PreDestroy
    void stop() {
        running = false;
        renewals.shutdownNow();
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
        synchronized (this) {
            if (ends != null) {
                ends.close(Duration.ofSeconds(5));
            }
        }
    }
}
