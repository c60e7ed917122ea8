package dev.raftlifecycle.lab;

import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.VaultHttp;
import dev.raftlifecycle.rig.VaultNode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A drill's writer: a new KV key ({@code secret/drill-<seq>}) at a fixed rate through whichever node of the current
 * cluster takes it, each attempt cut at {@link #ATTEMPT}. A write counts as acknowledged only when a node answered
 * 2xx; every acknowledged write, with when it was acknowledged, is kept, so that after the drill each can be read back
 * and the lost ones named. Writes go on through the disaster (they fail: no cluster) and after the recovery.
 */
final class AckedWrites implements AutoCloseable {
    static final String KEY_PREFIX = "drill-";
    static final Duration ATTEMPT = Duration.ofSeconds(2);

    /** One acknowledged write: when it was sent, when it was acknowledged. */
    record Ack(long seq, Instant sent, Instant at) {
        String key() {
            return KEY_PREFIX + seq;
        }

        String value() {
            return "v" + seq;
        }
    }

    private final Supplier<VaultCluster> cluster;
    private final Timeline timeline;
    private final Duration interval;
    private final List<Ack> acks = new CopyOnWriteArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private long seq;

    AckedWrites(Supplier<VaultCluster> cluster, Timeline timeline, int rps) {
        this.cluster = cluster;
        this.timeline = timeline;
        this.interval = Duration.ofMillis(1000 / Math.max(1, rps));
        this.thread = new Thread(this::loop, "drill-writes");
        this.thread.setDaemon(true);
    }

    AckedWrites start() {
        thread.start();
        return this;
    }

    private void loop() {
        Instant next = Instant.now();
        while (running.get()) {
            long n = ++seq;
            Instant due = Instant.now();
            boolean ok = write(n);
            Instant end = Instant.now();
            timeline.latency(due, Duration.between(due, end), ok);
            if (ok) {
                acks.add(new Ack(n, due, end));
            }
            next = next.plus(interval);
            long sleep = Duration.between(Instant.now(), next).toMillis();
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException e) {
                    return;
                }
            } else {
                next = Instant.now();
            }
        }
    }

    private boolean write(long n) {
        VaultCluster current = cluster.get();
        if (current == null) {
            return false;
        }
        for (VaultNode node : current.runningNodes()) {
            try {
                VaultHttp.Reply reply = current.http().send(node.apiAddress(), "PUT", "secret/" + KEY_PREFIX + n,
                        current.rootToken(), Map.of("value", "v" + n), ATTEMPT);
                if (reply.ok()) {
                    return true;
                }
            } catch (IOException | RuntimeException e) {
                // the next node
            }
        }
        return false;
    }

    List<Ack> acks() {
        return List.copyOf(acks);
    }

    /** The writes acknowledged so far that {@code current} does not return with their value. */
    List<Ack> missing(VaultCluster current, List<Ack> of) {
        return of.stream().filter(a -> !current.kvGet(a.key()).map(a.value()::equals).orElse(false)).toList();
    }

    @Override
    public void close() {
        running.set(false);
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
