package dev.provisioner.run;

import dev.provisioner.completion.CompletionProducer;
import dev.provisioner.contract.Completion;
import jakarta.enterprise.context.ApplicationScoped;

/** Publishes a request's one completion; once the broker has it, the journal and the metrics know it too. */
@ApplicationScoped
class Completions {

    private final CompletionProducer producer;
    private final RunJournal journal;
    private final RunMetrics metrics;

    Completions(CompletionProducer producer, RunJournal journal, RunMetrics metrics) {
        this.producer = producer;
        this.journal = journal;
        this.metrics = metrics;
    }

    /** @throws RuntimeException when the broker does not take it: the request is then not done */
    void publish(String key, Completion completion) {
        Acks.await(producer.publish(key, completion));
        journal.finished(completion);
        metrics.finished(completion);
    }
}
