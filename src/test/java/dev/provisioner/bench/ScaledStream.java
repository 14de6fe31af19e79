package dev.provisioner.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioner.event.EngineEvent;
import dev.provisioner.event.EngineEvents;
import io.smallrye.mutiny.Multi;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A recorded engine stream repeated to any length, its events numbered on from one repetition to the
 * next. Each event is made when it is read, so a long stream holds no more than the recording.
 */
final class ScaledStream {

    private final List<ObjectNode> recording;

    private ScaledStream(List<ObjectNode> recording) {
        this.recording = recording;
    }

    /** The recording {@code engine-streams/<name>.ndjson} from the test resources. */
    static ScaledStream of(String name, ObjectMapper mapper) {
        String resource = "/engine-streams/" + name + ".ndjson";
        List<ObjectNode> events = new ArrayList<>();
        try (InputStream in = ScaledStream.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no recording " + resource);
            }
            var lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (!line.isBlank()) {
                    events.add((ObjectNode) mapper.readTree(line));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ScaledStream(List.copyOf(events));
    }

    /** The event numbered {@code sequence}: the recording's event at that place, renumbered. */
    EngineEvent event(long sequence) {
        ObjectNode json = recording.get((int) (sequence % recording.size())).deepCopy();
        json.put("sequence", sequence);
        return EngineEvents.of(json);
    }

    /** The first {@code count} events, made as they are requested. */
    Multi<EngineEvent> events(int count) {
        return Multi.createFrom().range(0, count).map(this::event);
    }

    /**
     * The first {@code count} events, made as they are requested; {@code entered[i]} is set to the
     * {@link System#nanoTime()} at which event {@code i} entered the stream.
     */
    Multi<EngineEvent> events(int count, long[] entered) {
        return Multi.createFrom().range(0, count).map(i -> {
            entered[i] = System.nanoTime();
            return event(i);
        });
    }
}
