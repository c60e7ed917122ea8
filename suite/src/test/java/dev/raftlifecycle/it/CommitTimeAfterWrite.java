package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The leader's commit time as the publisher reads it after a write. Both systems serve go-metrics' in-memory sink,
 * which shows the most recent <em>finished</em> 10 s interval: a read right after a write sees the interval before
 * it. So: one write, then publisher runs until the interval that holds the write has finished (at most two interval
 * lengths, with a margin), and the first figure seen.
 */
final class CommitTimeAfterWrite {
    /** go-metrics' interval in both servers (Vault's and Consul's telemetry defaults). */
    private static final Duration INTERVAL = Duration.ofSeconds(10);
    private static final Duration PATIENCE = INTERVAL.multipliedBy(2).plusSeconds(5);
    private static final String METRIC = "RaftCommitTimeMs";

    private CommitTimeAfterWrite() {
    }

    static Double read(BooleanSupplier write, Supplier<Map<String, Double>> publisherRun) {
        assertThat(write.getAsBoolean()).as("the write before the commit time is read").isTrue();
        Instant deadline = Instant.now().plus(PATIENCE);
        Double commitMs = publisherRun.get().get(METRIC);
        while (commitMs == null && Instant.now().isBefore(deadline)) {
            sleep(Duration.ofSeconds(2));
            commitMs = publisherRun.get().get(METRIC);
        }
        return commitMs;
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the telemetry interval", e);
        }
    }
}
