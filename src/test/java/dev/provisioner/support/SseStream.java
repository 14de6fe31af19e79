package dev.provisioner.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Server-Sent Events stream read by a plain HTTP client, line by line as the bytes arrive, the way a
 * client of the REST API reads it.
 */
public final class SseStream implements AutoCloseable {

    /** One event as the stream delivered it. */
    public record Event(String id, String name, String data) {}

    private static final Event END = new Event(null, null, null);
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private final int status;
    private final Stream<String> lines;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final Thread reader;

    private SseStream(HttpResponse<Stream<String>> response) {
        this.status = response.statusCode();
        this.lines = response.body();
        this.reader = new Thread(this::read, "sse-test-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Opens {@code url} with a bearer token, resuming after {@code lastEventId} unless it is null. */
    public static SseStream open(URI url, String token, String lastEventId) {
        var request = HttpRequest.newBuilder(url)
                .header("Accept", "text/event-stream")
                .header("Authorization", "Bearer " + token);
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        try {
            return new SseStream(CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofLines()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Every event of the stream at {@code url} from after {@code lastEventId} (null: from the start) to its end,
     * each within {@code gap} of the one before.
     */
    public static List<Event> readAll(URI url, String token, String lastEventId, Duration gap) {
        List<Event> all = new ArrayList<>();
        try (SseStream stream = open(url, token, lastEventId)) {
            for (Optional<Event> next = stream.next(gap); next.isPresent(); next = stream.next(gap)) {
                all.add(next.get());
            }
        }
        return all;
    }

    public int status() {
        return status;
    }

    /**
     * The next event, waiting at most {@code atMost}; empty when the stream has ended.
     *
     * @throws AssertionError when nothing came in time
     */
    public Optional<Event> next(Duration atMost) {
        try {
            Event event = events.poll(atMost.toMillis(), TimeUnit.MILLISECONDS);
            if (event == null) {
                throw new AssertionError("no event within " + atMost);
            }
            if (event == END) {
                events.add(END);
                return Optional.empty();
            }
            return Optional.of(event);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void read() {
        String id = null;
        String name = null;
        StringBuilder data = null;
        try {
            for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (line.isEmpty()) {
                    if (data != null) {
                        events.add(new Event(id, name == null ? "message" : name, data.toString()));
                    }
                    name = null;
                    data = null;
                } else if (line.startsWith("id:")) {
                    id = value(line);
                } else if (line.startsWith("event:")) {
                    name = value(line);
                } else if (line.startsWith("data:")) {
                    data = data == null ? new StringBuilder() : data.append('\n');
                    data.append(value(line));
                }
            }
        } catch (UncheckedIOException e) {
            // The stream was closed: by us, or the server dropped it.
        } finally {
            events.add(END);
        }
    }

    private static String value(String line) {
        String value = line.substring(line.indexOf(':') + 1);
        return value.startsWith(" ") ? value.substring(1) : value;
    }

    /** Disconnects, as a client that goes away. */
    @Override
    public void close() {
        lines.close();
    }
}
