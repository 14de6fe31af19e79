package dev.provisioner.listener;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.provisioner.Channels;
import dev.provisioner.contract.Completion;
import dev.provisioner.run.RunJournal;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads every completion, this replica's and the others', into the run journal: the REST API then
 * answers for requests another replica ran, whichever replica a client asks. An unreadable completion
 * is logged and skipped.
 */
@ApplicationScoped
public class CompletionConsumer {

    private static final Logger LOG = Logger.getLogger(CompletionConsumer.class);

    private final ObjectMapper mapper;
    private final RunJournal journal;

    public CompletionConsumer(ObjectMapper mapper, RunJournal journal) {
        this.mapper = mapper;
        this.journal = journal;
    }

    @Incoming(Channels.ALL_COMPLETIONS)
    public void consume(ConsumerRecord<String, String> record) {
        Completion completion;
        try {
            completion = mapper.readValue(record.value() == null ? "" : record.value(), Completion.class);
        } catch (JsonProcessingException e) {
            LOG.warnf(
                    "skipped completion at %s-%d@%d: %s",
                    record.topic(), record.partition(), record.offset(), e.getOriginalMessage());
            return;
        }
        journal.finishedElsewhere(completion);
    }
}
