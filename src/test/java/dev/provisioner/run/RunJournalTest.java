package dev.provisioner.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.provisioner.contract.Completion;
import dev.provisioner.contract.Operation;
import dev.provisioner.contract.ProvisioningRequest;
import dev.provisioner.event.EngineEvent;
import dev.provisioner.event.EngineEvents;
import dev.provisioner.event.RecordedStreams;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import io.smallrye.mutiny.subscription.BackPressureFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The journal's followers: a slow one is dropped, never the run or the others. Events are the real CLI's
 * (recorded), numbered on to make a long run.
 */
class RunJournalTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int KEPT_EVENTS = 100;
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final RunJournal journal =
            new RunJournal(Clock.systemUTC(), new SimpleMeterRegistry(), new Config(10, KEPT_EVENTS));

    @Test
    void aSlowFollowerIsDroppedWhileTheOthersGetEveryEvent() {
        ProvisioningRequest request = request("journal-1");
        journal.queued(request);
        journal.running(request.requestId());
        AssertSubscriber<EngineEvent> slow = journal.follow(request.requestId(), Long.MIN_VALUE)
                .orElseThrow()
                .subscribe()
                .withSubscriber(AssertSubscriber.create(0));
        AssertSubscriber<EngineEvent> keepingUp = journal.follow(request.requestId(), Long.MIN_VALUE)
                .orElseThrow()
                .subscribe()
                .withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));

        // Well past the follower's buffer, which is rounded up to a power of two.
        List<EngineEvent> events = longRun(4 * (KEPT_EVENTS + RunJournal.FOLLOWER_BACKLOG));
        events.forEach(event -> journal.append(request.requestId(), event));
        journal.finished(completion(request.requestId()));

        slow.awaitFailure(WAIT).assertFailedWith(BackPressureFailure.class);
        keepingUp.awaitCompletion(WAIT);
        assertThat(keepingUp.getItems()).containsExactlyElementsOf(events);
        RunJournal.Entry entry = journal.find(request.requestId()).orElseThrow();
        assertThat(entry.status()).isEqualTo("succeeded");
        assertThat(entry.events()).isEqualTo(events.size());
    }

    @Test
    void aLateFollowerGetsTheLatestEventsKeptAndResumesAfterItsLastOne() {
        ProvisioningRequest request = request("journal-2");
        journal.queued(request);
        journal.running(request.requestId());
        List<EngineEvent> events = longRun(KEPT_EVENTS * 2);
        events.subList(0, KEPT_EVENTS + 50).forEach(event -> journal.append(request.requestId(), event));

        AssertSubscriber<EngineEvent> late = journal.follow(request.requestId(), Long.MIN_VALUE)
                .orElseThrow()
                .subscribe()
                .withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        AssertSubscriber<EngineEvent> resumed = journal.follow(request.requestId(), 120)
                .orElseThrow()
                .subscribe()
                .withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        events.subList(KEPT_EVENTS + 50, events.size()).forEach(event -> journal.append(request.requestId(), event));
        journal.finished(completion(request.requestId()));

        late.awaitCompletion(WAIT);
        resumed.awaitCompletion(WAIT);
        assertThat(late.getItems()).containsExactlyElementsOf(events.subList(50, events.size()));
        assertThat(resumed.getItems()).containsExactlyElementsOf(events.subList(121, events.size()));
    }

    @Test
    void aSubmittedIdIsTheSameRequestOnlyWithTheSameContent() {
        ProvisioningRequest request = request("journal-3");
        ProvisioningRequest reordered = new ProvisioningRequest(
                "journal-3",
                Operation.UP,
                "journal",
                "dev",
                "stash-demo",
                Map.of("b", "2", "a", "1"),
                null,
                "alice@example.com",
                null,
                null,
                null);
        ProvisioningRequest other = new ProvisioningRequest(
                "journal-3",
                Operation.UP,
                "journal",
                "dev",
                "stash-demo",
                Map.of("a", "9"),
                null,
                "alice",
                null,
                null,
                null);

        assertThat(journal.submitted(request)).isEqualTo(RunJournal.Match.NEW);
        assertThat(journal.submitted(reordered)).isEqualTo(RunJournal.Match.SAME);
        assertThat(journal.submitted(other)).isEqualTo(RunJournal.Match.DIFFERENT);
    }

    @Test
    void anotherReplicasRunIsFollowedFromItsAuditRecordsWithTheLocalStreamsSemantics() {
        var first = new RemoteRun("journal-4", "aaaa0001", "alice@example.com", "up", "journal", "dev");
        journal.acceptedElsewhere(first, Instant.now());
        assertThat(journal.find("journal-4").orElseThrow().status()).isEqualTo("queued");
        journal.startedElsewhere(first, Instant.now());
        List<EngineEvent> events = longRun(10);
        events.subList(0, 4).forEach(event -> journal.eventElsewhere(first, event));
        journal.eventElsewhere(first, events.get(3));
        AssertSubscriber<EngineEvent> ofFirst = follow("journal-4");
        assertThat(journal.find("journal-4").orElseThrow().status()).isEqualTo("running");
        assertThat(journal.find("journal-4").orElseThrow().events())
                .as("an event read twice is added once")
                .isEqualTo(4);

        // Cut short and delivered again: the new attempt starts afresh, its followers from its first event.
        var second = new RemoteRun("journal-4", "bbbb0002", "alice@example.com", "up", "journal", "dev");
        journal.acceptedElsewhere(second, Instant.now());
        ofFirst.awaitCompletion(WAIT);
        assertThat(ofFirst.getItems()).containsExactlyElementsOf(events.subList(0, 4));
        journal.startedElsewhere(second, Instant.now());
        AssertSubscriber<EngineEvent> ofSecond = follow("journal-4");
        events.subList(0, 6).forEach(event -> journal.eventElsewhere(second, event));
        journal.eventElsewhere(first, events.get(9));

        // The completion comes first, on its own topic: it waits for the trail's last events.
        journal.finishedElsewhere(completion("journal-4"));
        assertThat(journal.find("journal-4").orElseThrow().status()).isEqualTo("running");
        events.subList(6, 10).forEach(event -> journal.eventElsewhere(second, event));
        journal.endedElsewhere(second);

        ofSecond.awaitCompletion(WAIT);
        assertThat(ofSecond.getItems()).containsExactlyElementsOf(events);
        assertThat(journal.find("journal-4").orElseThrow().status()).isEqualTo("succeeded");
    }

    @Test
    void theAuditRecordsOfThisReplicasOwnAttemptsAreNotNews() {
        ProvisioningRequest request = request("journal-5");
        journal.queued(request);
        journal.attempt(request.requestId(), "cccc0003");
        journal.running(request.requestId());
        var own = new RemoteRun("journal-5", "cccc0003", "alice@example.com", "up", "journal", "dev");
        assertThat(journal.ranHere("journal-5", "cccc0003")).isTrue();
        longRun(3).forEach(event -> journal.eventElsewhere(own, event));
        assertThat(journal.find("journal-5").orElseThrow().events()).isZero();
    }

    private AssertSubscriber<EngineEvent> follow(String id) {
        return journal.follow(id, Long.MIN_VALUE)
                .orElseThrow()
                .subscribe()
                .withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
    }

    private static ProvisioningRequest request(String id) {
        return new ProvisioningRequest(
                id,
                Operation.UP,
                "journal",
                "dev",
                "stash-demo",
                Map.of("a", "1", "b", "2"),
                Map.of(),
                "alice@example.com",
                null,
                null,
                null);
    }

    private static Completion completion(String id) {
        Instant now = Instant.now();
        return new Completion(
                id,
                "up",
                "journal",
                "dev",
                Completion.Status.SUCCEEDED,
                now,
                now,
                0,
                Map.of(),
                Map.of(),
                null,
                Completion.EventCounts.NONE,
                "3.259.0",
                null,
                false,
                null);
    }

    /** The recorded events over and over, numbered 0, 1, 2, … as one long run's. */
    private static List<EngineEvent> longRun(int count) {
        List<String> recorded = RecordedStreams.lines("up-update");
        EngineEvents parser = new EngineEvents(JSON);
        List<EngineEvent> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ObjectNode json = (ObjectNode) dev.provisioner.support.Requests.parse(recorded.get(i % recorded.size()));
            events.add(parser.parse(json.put("sequence", i).toString()));
        }
        return events;
    }

    private record Config(int journalSize, int journalEvents) implements RunsConfig {
        @Override
        public int maxConcurrency() {
            return 1;
        }

        @Override
        public Duration defaultTimeout() {
            return Duration.ofHours(1);
        }

        @Override
        public Duration cancelGrace() {
            return Duration.ofMinutes(2);
        }

        @Override
        public Duration cancelMemory() {
            return Duration.ofHours(1);
        }

        @Override
        public Duration shutdownGrace() {
            return Duration.ofSeconds(60);
        }

        @Override
        public Duration followLookBack() {
            return Duration.ofMinutes(15);
        }

        @Override
        public Duration handoverGrace() {
            return Duration.ofSeconds(60);
        }
    }
}
