package dev.raftlifecycle.lab;

import dev.raftlifecycle.rig.VaultNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * R rounds of terminating a random node (every third round the leader) through the full lifecycle path
 * while a KV client writes and reads at a fixed rate. After every round: a leader exists, every
 * acknowledged write is readable, no stale peers, no lifecycle action pending.
 */
final class Chaos {
    private Chaos() {
    }

    record Result(int rounds, int passed, int lostWrites, int stalePeers, int stuckActions, double p99Ms,
                  double p99InsideElectionsMs, double p99OutsideElectionsMs, double availability,
                  double meanSecondsToFullTolerance, long ops) {
        String line() {
            return String.format(Locale.ROOT,
                    "chaos: rounds=%d passed=%d lost_writes=%d stale_peers=%d stuck_actions=%d p99_ms=%.0f availability=%.2f%%",
                    rounds, passed, lostWrites, stalePeers, stuckActions, p99Ms, availability);
        }
    }

    static int run(int nodes, int rounds, int rps, long seed, Path outDir, PrintStream out) throws Exception {
        Steps steps = new Steps(out);
        out.printf(Locale.ROOT, "chaos: %d nodes, %d rounds, %d req/s, seed %d%n", nodes, rounds, rps, seed);
        LabEnvironment[] holder = new LabEnvironment[1];
        if (!steps.run("bring up the cluster (moto, Vault processes, init, auth)", () -> {
            holder[0] = LabEnvironment.start(nodes, outDir, java.util.Map.of(), new Progress(out));
            return holder[0].cluster.raftNodeIds().size() + " voters";
        })) {
            // Nothing ran: the summary line still ends the output, with nothing passed.
            out.println(new Result(rounds, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0).line());
            return 1;
        }
        LabEnvironment lab = holder[0];
        Runtime.getRuntime().addShutdownHook(new Thread(lab::close, "chaos-teardown"));
        Result result;
        try {
            lab.startSchedules(Duration.ofSeconds(10));
            result = rounds(lab, nodes, rounds, rps, new Random(seed), steps);
            List<String> summary = List.of(result.line(), String.format(Locale.ROOT,
                    "p99 inside election windows %.0f ms, outside %.0f ms; mean time to full failure tolerance %.1f s; %d KV operations",
                    result.p99InsideElectionsMs(), result.p99OutsideElectionsMs(), result.meanSecondsToFullTolerance(), result.ops()));
            out.println(summary.get(1));
            steps.run("write the timeline page", () -> "chaos: timeline written to " + lab.timeline.write(
                    outDir.resolve("chaos-" + System.currentTimeMillis() + ".html"),
                    "raft-lifecycle chaos: " + nodes + " nodes, " + rounds + " rounds, " + rps + " req/s", summary));
        } finally {
            lab.close();
        }
        out.println(result.line());
        return result.passed() == result.rounds() && result.lostWrites() == 0 && steps.failed() == 0 ? 0 : 1;
    }

    private static Result rounds(LabEnvironment lab, int nodes, int rounds, int rps, Random random, Steps steps) {
        int passed = 0;
        int stale = 0;
        int stuck = 0;
        List<Double> toFullTolerance = new ArrayList<>();
        int expectedTolerance = (nodes - 1) / 2;
        try (KvLoad load = new KvLoad(lab.cluster, lab.timeline, rps)) {
            load.start();
            sleep(2000);
            Set<String> lostWrites = new java.util.TreeSet<>();
            for (int round = 1; round <= rounds; round++) {
                int number = round;
                Instant[] started = new Instant[1];
                double[] tolerance = new double[1];
                int[] roundStale = new int[1];
                int[] roundStuck = new int[1];
                // Everything a round does happens inside its step, so a failure anywhere fails that round only.
                boolean ok = steps.run(String.format(Locale.ROOT, "round %d", round), () -> {
                    VaultNode leader = lab.cluster.awaitLeader(Duration.ofSeconds(60));
                    List<VaultNode> candidates = lab.cluster.runningNodes().stream()
                            .sorted(Comparator.comparing(VaultNode::instanceId)).toList();
                    VaultNode victim = number % 3 == 0 ? leader : candidates.get(random.nextInt(candidates.size()));
                    boolean wasLeader = victim == leader;
                    started[0] = Instant.now();
                    LifecycleDriver.Termination t = lab.driver.terminate(victim.instanceId());
                    String what = "terminated " + victim.instanceId() + (wasLeader ? " (leader)" : "");
                    Steps.require("CONTINUE".equals(t.result()), what + ": terminate " + t.result() + " (" + t.reason() + ")");
                    Steps.require(t.replacement().map(l -> "CONTINUE".equals(l.result())).orElse(false),
                            what + ": replacement not in service: " + t.replacement());
                    lab.cluster.await("full failure tolerance", Duration.ofSeconds(120), () -> {
                        var state = lab.cluster.autopilot();
                        return state.path("healthy").asBoolean(false) && state.path("voters").size() == nodes
                                && state.path("failure_tolerance").asInt() >= expectedTolerance;
                    });
                    tolerance[0] = Duration.between(started[0], Instant.now()).toMillis() / 1000.0;
                    Steps.require(lab.cluster.leader().isPresent(), "no leader after the round");
                    Set<String> running = lab.cluster.runningNodes().stream().map(VaultNode::instanceId).collect(Collectors.toSet());
                    roundStale[0] = (int) lab.cluster.raftNodeIds().stream().filter(id -> !running.contains(id)).count();
                    roundStuck[0] = (int) lab.rig.recorder().openActions().stream()
                            .filter(a -> lab.cluster.groupNames().contains(a.groupName())).count();
                    Set<String> lostNow = load.lostWrites();
                    lostWrites.addAll(lostNow);
                    Steps.require(roundStale[0] == 0, roundStale[0] + " stale peer(s)");
                    Steps.require(roundStuck[0] == 0, roundStuck[0] + " lifecycle action(s) pending");
                    Steps.require(lostNow.isEmpty(), lostNow.size() + " acknowledged write(s) not readable: " + lostNow);
                    return String.format(Locale.ROOT, "%s: %s, full tolerance after %.1f s, all acknowledged writes readable",
                            what, t.reason(), tolerance[0]);
                });
                stale += roundStale[0];
                stuck += roundStuck[0];
                if (ok) {
                    passed++;
                    toFullTolerance.add(tolerance[0]);
                }
            }
            sleep(1000);
            load.close();
            Set<String> lostAtEnd = load.lostWrites();
            lostWrites.addAll(lostAtEnd);
            int lost = lostWrites.size();
            steps.check("every acknowledged write is readable (after every round and at the end)", lost == 0,
                    Duration.ZERO, lost + " lost");
            List<KvLoad.Op> ops = load.ops();
            List<Instant[]> windows = lab.timeline.leaderlessWindows();
            List<Duration> all = ops.stream().filter(KvLoad.Op::ok).map(KvLoad.Op::took).toList();
            List<Duration> inside = ops.stream().filter(KvLoad.Op::ok).filter(o -> within(o.start(), windows))
                    .map(KvLoad.Op::took).toList();
            List<Duration> outside = ops.stream().filter(KvLoad.Op::ok).filter(o -> !within(o.start(), windows))
                    .map(KvLoad.Op::took).toList();
            double availability = ops.isEmpty() ? 100.0 : 100.0 * ops.stream().filter(KvLoad.Op::ok).count() / ops.size();
            return new Result(rounds, passed, lost, stale, stuck, p99(all), p99(inside), p99(outside), availability,
                    toFullTolerance.stream().mapToDouble(Double::doubleValue).average().orElse(0), ops.size());
        }
    }

    /** Within a leaderless window, widened by one sampling interval on each side. */
    private static boolean within(Instant at, List<Instant[]> windows) {
        for (Instant[] w : windows) {
            if (!at.isBefore(w[0].minusMillis(500)) && !at.isAfter(w[1].plusMillis(500))) {
                return true;
            }
        }
        return false;
    }

    static double p99(List<Duration> durations) {
        if (durations.isEmpty()) {
            return 0;
        }
        List<Long> sorted = durations.stream().map(Duration::toNanos).sorted().toList();
        int index = (int) Math.ceil(0.99 * sorted.size()) - 1;
        return sorted.get(Math.max(0, index)) / 1_000_000.0;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
