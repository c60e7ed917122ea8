package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.rig.RaftCluster;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A KV client that keeps writing (key k0..k49, increasing sequence numbers) through any node that takes the write,
 * retrying for up to two seconds; it remembers, per key, the last sequence a node acknowledged.
 */
final class KvWriter implements AutoCloseable {
    /** Per key, the last sequence acknowledged: this writer's own (classes run concurrently). */
    private final Map<Integer, Long> acked = new ConcurrentHashMap<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong count = new AtomicLong();
    private final Future<?> task;

    KvWriter(RaftCluster cluster) {
        task = HandlerHarness.THREADS.submit(() -> {
            long seq = 0;
            while (!stop.get()) {
                seq++;
                int key = (int) (seq % 50);
                Instant until = Instant.now().plusSeconds(2);
                while (Instant.now().isBefore(until) && !stop.get()) {
                    if (cluster.kvPut("spot/k" + key, Long.toString(seq))) {
                        acked.merge(key, seq, Math::max);
                        count.incrementAndGet();
                        break;
                    }
                    pause(50);
                }
                pause(20);
            }
        });
    }

    long acknowledged() {
        return count.get();
    }

    void awaitWrites(long n) {
        Instant until = Instant.now().plusSeconds(60);
        while (count.get() < n && Instant.now().isBefore(until)) {
            pause(50);
        }
        assertThat(count.get()).as("acknowledged writes").isGreaterThanOrEqualTo(n);
    }

    /** Acknowledged writes the cluster no longer shows (their last acknowledged value or a later one). */
    List<String> lost(RaftCluster cluster) {
        List<String> lost = new ArrayList<>();
        acked.forEach((key, seq) -> {
            long seen = cluster.kvGet("spot/k" + key).map(Long::parseLong).orElse(-1L);
            if (seen < seq) {
                lost.add(key + "@" + seq + " (read " + seen + ")");
            }
        });
        return lost;
    }

    @Override
    public void close() throws Exception {
        stop.set(true);
        task.get();
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
