package dev.raftlifecycle.lab;

import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.VaultHttp;
import dev.raftlifecycle.rig.VaultNode;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A KV client with a deadline behind the load balancer: writes and reads fall due at a fixed rate; each must succeed
 * within {@link #BUDGET} of when it fell due, or it counts as unavailable. An attempt goes to a node the load
 * balancer stand-in currently routes to (its health check, its interval and thresholds) and is cut hard at
 * {@link #ATTEMPT} or at the deadline, whichever is first; a failed attempt is retried, after {@link #BACKOFF}, on a
 * node not yet tried for this operation (while there is one). A cut attempt may still be applied by the server
 * later: it is not acknowledged, and an acknowledged write it overwrites that way is counted apart, not as lost.
 * Operations are timed from when they fell due, so a backlog (due, not yet started: every worker busy) counts
 * against them and shows as {@link Op#queued()}. Writes cycle over a fixed set of keys with increasing
 * sequence numbers; an acknowledged write must stay readable (a later read of its key must return the sequence
 * number acknowledged last for it, or a later one), which is how lost writes are counted.
 */
final class KvLoad implements AutoCloseable {
    private static final int KEYS = 200;
    /** What the seeds' operators hold Vault to is 500 ms; an operation still unanswered at 2 s has failed. */
    static final Duration BUDGET = Duration.ofSeconds(2);
    /** One attempt's hard cut: a node that does not answer within it is left for another. */
    static final Duration ATTEMPT = Duration.ofMillis(500);
    static final Duration BACKOFF = Duration.ofMillis(50);
    /** The rig client's request timeout, which bounded an attempt of the client before. */
    private static final Duration BEFORE_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** Enough workers that a full budget of stalled operations at 100 req/s does not queue behind each other. */
    private static final int WORKERS = 256;
    /** An attempt this long is recorded, with its node, to see where a stall's time went. */
    static final Duration SLOW = Duration.ofSeconds(1);

    /** How the client tries: the deadline client, or the one this lab had before, kept to measure against. */
    enum Client {
        /**
         * Each attempt cut at {@link #ATTEMPT} or the deadline ({@link #BUDGET} after the operation fell due), retried
         * on another node the load-balancer stand-in routes to; {@link #WORKERS} workers.
         */
        DEADLINE,
        /**
         * The lab's client before: an attempt waits for an answer up to the rig's 10 s request timeout, the 2 s
         * budget (from when a worker picked the operation up) is only checked between attempts, 16 workers, targets
         * from its own {@code sys/health} every 500 ms.
         */
        BEFORE;

        static Client parse(String name) {
            for (Client c : values()) {
                if (c.name().equalsIgnoreCase(name)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("--client must be deadline or before, not '" + name + "'");
        }
    }

    /** An attempt that took at least {@link #SLOW}: which node, when, and whether it succeeded in the end. */
    record SlowAttempt(String instanceId, Instant sent, Instant back, boolean ok) {
    }

    /** One operation as the client saw it: when it fell due, when a worker started it, when it ended. */
    record Op(Instant due, Instant started, Instant end, boolean write, boolean ok, int attempts) {
        Duration took() {
            return Duration.between(due, end);
        }

        Duration queued() {
            return Duration.between(due, started);
        }
    }

    private final VaultCluster cluster;
    private final Supplier<List<VaultNode>> targets;
    private final Timeline timeline;
    private final int rps;
    private final ScheduledExecutorService dispatcher = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "kv-dispatch"));
    private final Client client;
    private final ExecutorService workers;
    private final Map<Integer, Long> acknowledged = new ConcurrentHashMap<>();
    private final List<Op> ops = new CopyOnWriteArrayList<>();
    private final List<SlowAttempt> slow = new CopyOnWriteArrayList<>();
    private final java.util.Set<Long> unacknowledged = ConcurrentHashMap.newKeySet();
    private final java.util.Set<String> overwrittenLate = ConcurrentHashMap.newKeySet();
    private volatile Instant lastDue;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private volatile Instant startedAt;
    private volatile List<VaultNode> ownHealthy = List.of();

    /** Through the lab's load-balancer stand-in: the nodes it routes new connections to. */
    KvLoad(LabEnvironment lab, int rps) {
        this(lab, rps, Client.DEADLINE);
    }

    KvLoad(LabEnvironment lab, int rps, Client client) {
        this.cluster = lab.cluster;
        this.client = client;
        this.targets = client == Client.BEFORE ? () -> ownHealthy : () -> {
            List<String> healthy = lab.loadBalancer().healthyTargets();
            return lab.cluster.nodes().stream().filter(n -> healthy.contains(n.instanceId())).toList();
        };
        this.timeline = lab.timeline;
        this.rps = rps;
        this.workers = Executors.newFixedThreadPool(client == Client.BEFORE ? 16 : WORKERS, r -> daemon(r, "kv-worker"));
    }

    private void refreshOwnHealthy() {
        List<VaultNode> ok = new java.util.ArrayList<>();
        for (VaultNode node : cluster.runningNodes()) {
            int code = cluster.healthCode(node);
            if (LoadBalancerStandIn.passes(code)) {
                ok.add(node);
            }
        }
        ownHealthy = ok;
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
        if (client == Client.BEFORE) {
            dispatcher.scheduleAtFixedRate(this::refreshOwnHealthy, 0, 500, TimeUnit.MILLISECONDS);
        }
        long periodNanos = 1_000_000_000L / rps;
        Instant first = Instant.now().plusMillis(200);
        startedAt = first;
        dispatcher.scheduleAtFixedRate(() -> {
            long seq = sequence.incrementAndGet();
            // When it fell due by the schedule, not when the dispatcher got round to it.
            Instant due = first.plusNanos((seq - 1) * periodNanos);
            lastDue = due;
            boolean write = seq % 2 == 0;
            workers.submit(() -> {
                int now = inFlight.incrementAndGet();
                maxInFlight.accumulateAndGet(now, Math::max);
                try {
                    if (write) {
                        write(seq, due);
                    } else {
                        read(due);
                    }
                } finally {
                    inFlight.decrementAndGet();
                }
            });
        }, 200_000_000L, periodNanos, TimeUnit.NANOSECONDS);
    }

    private void write(long seq, Instant due) {
        int key = (int) (seq / 2 % KEYS);
        Instant started = Instant.now();
        int attempts = attempt(due, (node, cut) -> cluster.http().send(node.apiAddress(), "PUT", "secret/chaos/k" + key,
                cluster.rootToken(), Map.of("value", Long.toString(seq)), cut).ok());
        if (attempts > 0) {
            acknowledged.put(key, seq); // the last acknowledged, in the order the acknowledgements came
        } else {
            unacknowledged.add(seq); // failed, or cut: the server may still apply it, later
        }
        record(due, started, true, attempts);
    }

    private void read(Instant due) {
        int key = ThreadLocalRandom.current().nextInt(KEYS);
        Instant started = Instant.now();
        int attempts = attempt(due, (node, cut) -> {
            VaultHttp.Reply reply = cluster.http().send(node.apiAddress(), "GET", "secret/chaos/k" + key,
                    cluster.rootToken(), null, cut);
            return reply.ok() || reply.status() == 404;
        });
        record(due, started, false, attempts);
    }

    /** {@code attempts} > 0: it succeeded on that attempt; ≤ 0: it failed after −attempts attempts. */
    private void record(Instant due, Instant started, boolean write, int attempts) {
        Op op = new Op(due, started, Instant.now(), write, attempts > 0, Math.abs(attempts));
        ops.add(op);
        timeline.latency(due, op.took(), op.ok());
    }

    private interface Call {
        boolean run(VaultNode node, Duration cut) throws IOException;
    }

    /** Attempts until success or the deadline: the successful attempt's number, or minus the attempts made. */
    private int attempt(Instant due, Call call) {
        boolean before = client == Client.BEFORE;
        Instant deadline = before ? Instant.now().plus(BUDGET) : due.plus(BUDGET);
        int made = 0;
        java.util.Set<VaultNode> tried = new java.util.HashSet<>();
        while (true) {
            Duration left = Duration.between(Instant.now(), deadline);
            if (left.isNegative() || left.isZero()) {
                return -made;
            }
            List<VaultNode> candidates = targets.get();
            if (!before) {
                // The deadline client retries on a node it has not tried yet in this operation, while there is one.
                List<VaultNode> untried = candidates.stream().filter(n -> !tried.contains(n)).toList();
                candidates = untried.isEmpty() ? candidates : untried;
            }
            if (!candidates.isEmpty()) {
                VaultNode node = candidates.get(ThreadLocalRandom.current().nextInt(candidates.size()));
                tried.add(node);
                made++;
                Instant sent = Instant.now();
                boolean ok = false;
                try {
                    ok = call.run(node, before ? BEFORE_REQUEST_TIMEOUT : left.compareTo(ATTEMPT) < 0 ? left : ATTEMPT);
                } catch (IOException e) {
                    // cut, refused or reset: another node
                }
                Instant back = Instant.now();
                if (Duration.between(sent, back).compareTo(SLOW) >= 0) {
                    slow.add(new SlowAttempt(node.instanceId(), sent, back, ok));
                }
                if (ok) {
                    return made;
                }
            }
            if (!before && Duration.between(Instant.now(), deadline).compareTo(BACKOFF) <= 0) {
                return -made; // no time for another attempt: fail at the deadline, not after it
            }
            try {
                Thread.sleep(BACKOFF.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -made;
            }
        }
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
            if (seen >= 0 && seen < entry.getValue() && unacknowledged.contains(seen)) {
                // An older write the client gave up on (cut, failed) was applied after the acknowledged one: what
                // any client with a deadline must expect, not a write Vault lost.
                overwrittenLate.add(entry.getKey() + "@" + entry.getValue() + "<-" + seen);
            } else if (seen < entry.getValue()) {
                lost.add(entry.getKey() + "@" + entry.getValue());
            }
        }
        return lost;
    }

    List<Op> ops() {
        return List.copyOf(ops);
    }

    /** Acknowledged writes found overwritten by an older write the client had given up on ("key@acked<-seen"). */
    java.util.Set<String> overwrittenLate() {
        return java.util.Set.copyOf(overwrittenLate);
    }

    /** The attempts that took at least {@link #SLOW}. */
    List<SlowAttempt> slowAttempts() {
        return List.copyOf(slow);
    }

    /** When the last operation dispatched fell due (null before the first). */
    Instant lastDue() {
        return lastDue;
    }

    /** When the first operation fell due (null before {@link #start}). */
    Instant startedAt() {
        return startedAt;
    }

    /** The most operations in flight at once (a backlog shows as this reaching the worker count). */
    int maxInFlight() {
        return maxInFlight.get();
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
