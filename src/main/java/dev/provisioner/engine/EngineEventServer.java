package dev.provisioner.engine;

import com.google.protobuf.Empty;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import pulumirpc.EventsGrpc;
import pulumirpc.EventsOuterClass.EventRequest;

/**
 * Receives the engine's event log over gRPC ({@code --event-log tcp://…}), on loopback only, and hands
 * each event's JSON to a consumer in the order the engine sent it.
 *
 * <p>The CLI sends every event of an operation on one client stream from one goroutine, so the consumer
 * is called serially. A consumer that blocks holds the stream back, which gRPC flow control turns into
 * back-pressure on the engine.
 */
final class EngineEventServer implements AutoCloseable {

    /** The SDK's limit, kept: a resource with large inputs makes a large event. */
    private static final int MAX_EVENT_BYTES = 400 * 1024 * 1024;

    private final Server server;
    private final AtomicBoolean streamOpened = new AtomicBoolean();
    private final CountDownLatch streamClosed = new CountDownLatch(1);

    private EngineEventServer(Consumer<String> events) {
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .maxInboundMessageSize(MAX_EVENT_BYTES)
                .addService(new EventsGrpc.EventsImplBase() {
                    @Override
                    public StreamObserver<EventRequest> streamEvents(StreamObserver<Empty> response) {
                        streamOpened.set(true);
                        return new StreamObserver<>() {
                            @Override
                            public void onNext(EventRequest request) {
                                events.accept(request.getEvent());
                            }

                            @Override
                            public void onError(Throwable t) {
                                // The CLI went away mid-stream (killed, crashed): what arrived is all there is.
                                streamClosed.countDown();
                            }

                            @Override
                            public void onCompleted() {
                                response.onNext(Empty.getDefaultInstance());
                                response.onCompleted();
                                streamClosed.countDown();
                            }
                        };
                    }
                })
                .build();
    }

    static EngineEventServer start(Consumer<String> events) {
        EngineEventServer s = new EngineEventServer(events);
        try {
            s.server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for engine events on loopback", e);
        }
        return s;
    }

    /** The value for the CLI's {@code --event-log}. */
    String address() {
        return "tcp://127.0.0.1:" + server.getPort();
    }

    /**
     * Called once the CLI has exited: waits until the events still in flight have arrived, at most
     * {@code timeout}. A CLI that never opened a stream sends none, so there is nothing to wait for.
     */
    void awaitStreamClosed(Duration timeout) throws InterruptedException {
        if (streamOpened.get()) {
            streamClosed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
