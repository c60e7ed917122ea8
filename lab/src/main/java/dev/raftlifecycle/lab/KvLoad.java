package dev.raftlifecycle.lab;

import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.VaultHttp;
import dev.raftlifecycle.rig.VaultNode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A KV client behind a load balancer: it sends writes and reads at a fixed rate to a node that currently
 * passes the NLB's health check (sys/health 200/429), retrying on another node for up to two seconds;
 * an operation that does not succeed within that budget counts as unavailable. Writes cycle over a fixed
 * set of keys with increasing sequence numbers; an acknowledged write must stay readable (a later read of
 * its key must return that sequence number or a later one), which is how lost writes are counted.
 */
final class KvLoad implements AutoCloseable {
    private static final int KEYS = 200;
    private static final Duration BUDGET = Duration.ofSeconds(2);

    /** One operation as the client saw it. */
    record Op(Instant start, Duration took, boolean write, boolean ok) {
    }

    private final VaultCluster cluster;
    private final Timeline timeline;
    private final int rps;
    private final ScheduledExecutorService dispatcher = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "kv-dispatch"));
    private final ExecutorService workers = Executors.newFixedThreadPool(16, r -> daemon(r, "kv-worker"));
    private final Map<Integer, Long> acknowledged = new ConcurrentHashMap<>();
    private final List<Op> ops = new CopyOnWriteArrayList<>();
    private final AtomicLong sequence = new AtomicLong();
    private volatile List<VaultNode> healthy = List.of();

    KvLoad(VaultCluster cluster, Timeline timeline, int rps) {
        this.cluster = cluster;
        this.timeline = timeline;
        this.rps = rps;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    void start() {
        if (rps <= 0) {
            return;
        }
        dispatcher.scheduleAtFixedRate(this::refreshHealthy, 0, 500, TimeUnit.MILLISECONDS);
        long periodMicros = 1_000_000L / rps;
        dispatcher.scheduleAtFixedRate(() -> {
            long seq = sequence.incrementAndGet();
            boolean write = seq % 2 == 0;
            workers.submit(() -> {
                if (write) {
                    write(seq);
                } else {
                    read();
                }
            });
        }, 200_000, periodMicros, TimeUnit.MICROSECONDS);
    }

    private void refreshHealthy() {
        List<VaultNode> ok = new ArrayList<>();
        for (VaultNode node : cluster.runningNodes()) {
            int code = cluster.healthCode(node);
            if (code == 200 || code == 429) {
                ok.add(node);
            }
        }
        healthy = ok;
    }

    private void write(long seq) {
        int key = (int) (seq / 2 % KEYS);
        Instant start = Instant.now();
        boolean ok = attempt(node -> cluster.http().put(node.apiAddress(), "secret/chaos/k" + key, cluster.rootToken(),
                Map.of("value", Long.toString(seq))).ok());
        if (ok) {
            acknowledged.merge(key, seq, Math::max);
        }
        record(start, true, ok);
    }

    private void read() {
        int key = ThreadLocalRandom.current().nextInt(KEYS);
        Instant start = Instant.now();
        boolean ok = attempt(node -> {
            VaultHttp.Reply reply = cluster.http().get(node.apiAddress(), "secret/chaos/k" + key, cluster.rootToken());
            return reply.ok() || reply.status() == 404;
        });
        record(start, false, ok);
    }

    private void record(Instant start, boolean write, boolean ok) {
        Duration took = Duration.between(start, Instant.now());
        ops.add(new Op(start, took, write, ok));
        timeline.latency(start, took, ok);
    }

    private interface Call {
        boolean run(VaultNode node) throws IOException;
    }

    private boolean attempt(Call call) {
        Instant deadline = Instant.now().plus(BUDGET);
        while (Instant.now().isBefore(deadline)) {
            List<VaultNode> candidates = healthy;
            if (!candidates.isEmpty()) {
                VaultNode node = candidates.get(ThreadLocalRandom.current().nextInt(candidates.size()));
                try {
                    if (call.run(node)) {
                        return true;
                    }
                } catch (IOException e) {
                    // try another node
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /**
     * Reads every key back and returns the acknowledged writes that are not there ("key@sequence"). Safe while the
     * load runs: a key can only have moved on to a later acknowledged sequence, which counts as present.
     */
    java.util.Set<String> lostWrites() {
        java.util.Set<String> lost = new java.util.TreeSet<>();
        for (Map.Entry<Integer, Long> entry : Map.copyOf(acknowledged).entrySet()) {
            long seen = -1;
            for (int tries = 0; tries < 20 && seen < 0; tries++) {
                seen = cluster.kvGet("chaos/k" + entry.getKey()).map(Long::parseLong).orElse(-1L);
                if (seen < 0) {
                    sleepQuietly(100);
                }
            }
            if (seen < entry.getValue()) {
                lost.add(entry.getKey() + "@" + entry.getValue());
            }
        }
        return lost;
    }

    List<Op> ops() {
        return List.copyOf(ops);
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        dispatcher.shutdownNow();
        workers.shutdown();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.shutdownNow();
    }
}
