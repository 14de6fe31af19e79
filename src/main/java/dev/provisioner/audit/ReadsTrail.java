package dev.provisioner.audit;

import dev.provisioner.contract.Completion;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.header.Headers;

/**
 * This replica's own chain of reads of secrets, keyed {@code reads:<replica>} on the audit topic: a stack's
 * chain has one writer, the replica that runs its request, so a read served by another replica must not link
 * into it. This chain has one writer too, this replica, one record at a time, each a signed checkpoint; its head
 * is published like a stack's, so a replica restarted under its name goes on with its chain. The key cannot be a
 * request's ({@code :} is no part of a stack name). Every record names who read which outputs of which request,
 * and when; never a value.
 */
@ApplicationScoped
public class ReadsTrail {

    /** What the key of every replica's chain of reads starts with. */
    public static final String KEY_PREFIX = "reads:";

    /** The CloudEvents type of a read of secret outputs. */
    public static final String REVEALED = AuditSink.TYPE_PREFIX + "outputs.revealed";

    private final AuditSink sink;
    private final String key;
    private final CloudEventHeaders headers;
    /** One read's record at a time, from its link to the broker's answer: no link follows one that may fail. */
    private final Semaphore turn = new Semaphore(1);
    /** Where the chain goes on; null until the first read, and again after a record the broker did not take. */
    private ChainLinks chain;

    ReadsTrail(AuditSink sink, AuditConfig config) {
        this.sink = sink;
        this.key = KEY_PREFIX + config.readerId().orElseGet(ReadsTrail::hostName);
        this.headers = new CloudEventHeaders(config.source() + "/" + key, key);
    }

    /** The key of this replica's chain of reads. */
    public String key() {
        return key;
    }

    /**
     * What one read revealed: the request, who read it and when, the names of its outputs and of the secret ones
     * among them, and the stack's update they belong to.
     */
    public record Revealed(
            String requestId,
            String project,
            String stack,
            long stackVersion,
            String readBy,
            Instant readAt,
            List<String> outputs,
            List<String> secretOutputs) {}

    /**
     * Writes the record of a read, a signed checkpoint of this replica's chain of reads, and waits for the broker.
     *
     * @return its receipt
     * @throws IllegalStateException when the broker did not take it within {@code timeout}, or the chain's head
     *     cannot be read: the read must then not be answered
     */
    public Completion.Receipt revealed(Revealed read, Duration timeout) {
        try {
            if (!turn.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("another read's record is still awaiting the broker");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        CompletableFuture<Completion.Receipt> answer = new CompletableFuture<>();
        try {
            if (chain == null) {
                chain = sink.chainOf(key);
            }
            String id = read.requestId() + ":revealed:"
                    + UUID.randomUUID().toString().substring(0, 8);
            Headers record = headers.of(id, REVEALED, null, read.readAt(), 0);
            sink.send(key, record, sink.json(read), chain, AuditSink.Link.CHECKPOINT, (link, failure) -> {
                if (failure != null) {
                    chain = null;
                    turn.release();
                    answer.completeExceptionally(failure);
                } else {
                    turn.release();
                    answer.complete(link.receipt());
                }
            });
        } catch (RuntimeException e) {
            chain = null;
            turn.release();
            throw new IllegalStateException("the read's audit record was not written: " + e.getMessage(), e);
        }
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the broker did not take the read's audit record: " + e, e);
        }
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
