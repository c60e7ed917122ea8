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
import java.util.Optional;
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

    /** One round's window and what the client saw of writes in it. */
    record Round(int number, boolean leader, WriteAvailability.Window window, WriteAvailability.Figures writes) {
        String line() {
            return String.format(Locale.ROOT, "round %d%s: longest write stall %.2f s, %d of %d s without a write",
                    number, leader ? " (leader)" : "", writes.longestStall().toMillis() / 1000.0,
                    writes.secondsWithout(), writes.seconds());
        }
    }

    record Result(int rounds, int passed, int lostWrites, int stalePeers, int stuckActions, double p99Ms,
                  double p99InsideElectionsMs, double p99OutsideElectionsMs, double availability,
                  double meanSecondsToFullTolerance, long ops, List<Round> perRound, WriteAvailability.Figures total,
                  WriteAvailability.Figures insideLeaderRounds, WriteAvailability.Figures outsideLeaderRounds,
                  Duration maxQueued, int maxInFlight, List<WriteAvailability.Stall> stalls,
                  List<HandoverTrace.Breakdown> handovers, int slowAttempts, int overwrittenLate) {
        String line() {
            return String.format(Locale.ROOT,
                    "chaos: rounds=%d passed=%d lost_writes=%d stale_peers=%d stuck_actions=%d p99_ms=%.0f availability=%.2f%%"
                            + " time_availability=%.2f%% longest_write_stall_s=%.2f",
                    rounds, passed, lostWrites, stalePeers, stuckActions, p99Ms, availability, total.percent(),
                    total.longestStall().toMillis() / 1000.0);
        }

        /** Median over the rounds of one kind of each round's longest write stall, in seconds (0 without such rounds). */
        double medianStall(boolean leader) {
            List<Double> stalls = perRound.stream().filter(r -> r.leader() == leader)
                    .map(r -> r.writes().longestStall().toMillis() / 1000.0).toList();
            return stalls.isEmpty() ? 0 : Benchmarks.median(stalls);
        }

        /** The time-based lines of the summary. */
        List<String> timeLines() {
            List<String> lines = new ArrayList<>();
            lines.add(String.format(Locale.ROOT, "writes by time: %s in total; leader rounds %s; outside leader rounds %s",
                    describe(total), describe(insideLeaderRounds), describe(outsideLeaderRounds)));
            lines.add(String.format(Locale.ROOT, "longest write stall per round, median: leader rounds %.2f s, follower"
                    + " rounds %.2f s; client backlog: longest wait for a worker %d ms, at most %d operations in flight",
                    medianStall(true), medianStall(false), maxQueued.toMillis(), maxInFlight));
            int toOld = handovers.stream().mapToInt(HandoverTrace.Breakdown::slowToOld).sum();
            int toOthers = handovers.stream().mapToInt(HandoverTrace.Breakdown::slowToOthers).sum();
            lines.add(String.format(Locale.ROOT, "client attempts of %d s or more: %d in the run; in leader rounds %d to the"
                    + " old leader, %d to other nodes; acknowledged writes overwritten by a late-applied write the client"
                    + " had given up on: %d", KvLoad.SLOW.toSeconds(), slowAttempts, toOld, toOthers, overwrittenLate));
            return lines;
        }

        private static String describe(WriteAvailability.Figures f) {
            return String.format(Locale.ROOT, "%.2f%% of %d s had a successful write (%d without), longest stall %.2f s",
                    f.percent(), f.seconds(), f.secondsWithout(), f.longestStall().toMillis() / 1000.0);
        }

        static Result nothing(int rounds) {
            WriteAvailability.Figures none = new WriteAvailability.Figures(Duration.ZERO, 0, 0);
            return new Result(rounds, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, List.of(), none, none, none, Duration.ZERO, 0, List.of(), List.of(), 0, 0);
        }
    }

    /** A whole run: its exit code and, when the cluster came up, its figures. */
    record Run(int exit, Result result) {
    }

    static int run(int nodes, int rounds, int rps, long seed, KvLoad.Client client, Path outDir, PrintStream out)
            throws Exception {
        return execute(nodes, rounds, rps, seed, client, java.util.Map.of(), outDir, out).exit();
    }

    /** A run with handler settings of its own ({@code settings}: environment variables over the lab's). */
    static Run execute(int nodes, int rounds, int rps, long seed, KvLoad.Client client, java.util.Map<String, String> settings,
                       Path outDir, PrintStream out) throws Exception {
        Steps steps = new Steps(out);
        out.printf(Locale.ROOT, "chaos: %d nodes, %d rounds, %d req/s, seed %d, %s KV client%n", nodes, rounds, rps, seed,
                client.name().toLowerCase(Locale.ROOT));
        LabEnvironment[] holder = new LabEnvironment[1];
        if (!steps.run("bring up the cluster (moto, Vault processes, init, auth)", () -> {
            holder[0] = LabEnvironment.start(nodes, outDir, settings, new Progress(out));
            return holder[0].cluster.raftNodeIds().size() + " voters";
        })) {
            // Nothing ran: the summary line still ends the output, with nothing passed.
            out.println(Result.nothing(rounds).line());
            return new Run(1, Result.nothing(rounds));
        }
        LabEnvironment lab = holder[0];
        Runtime.getRuntime().addShutdownHook(new Thread(lab::close, "chaos-teardown"));
        Result result;
        try {
            Instant chaosStarted = Instant.now();
            lab.startSchedules(Duration.ofSeconds(10));
            result = rounds(lab, nodes, rounds, rps, client, new Random(seed), steps);
            // One more publisher run, so that the last round's election is counted too; then what CloudWatch holds.
            lab.invoke("publisher", "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            String seenByCloudWatch = ClientView.readBack(lab, chaosStarted,
                    result.perRound().stream().filter(Round::leader).count()).line();
            List<String> summary = new ArrayList<>(List.of(result.line(), String.format(Locale.ROOT,
                    "p99 inside election windows %.0f ms, outside %.0f ms; mean time to full failure tolerance %.1f s; %d KV operations",
                    result.p99InsideElectionsMs(), result.p99OutsideElectionsMs(), result.meanSecondsToFullTolerance(), result.ops()),
                    seenByCloudWatch));
            summary.addAll(result.timeLines());
            result.perRound().forEach(r -> out.println(r.line()));
            summary.subList(1, summary.size()).forEach(out::println);
            lab.timeline.stalls(result.stalls());
            steps.run("write the timeline page", () -> "chaos: timeline written to " + lab.timeline.write(
                    outDir.resolve("chaos-" + System.currentTimeMillis() + ".html"),
                    "raft-lifecycle chaos: " + nodes + " nodes, " + rounds + " rounds, " + rps + " req/s", summary));
        } finally {
            lab.close();
        }
        out.println(result.line());
        return new Run(result.passed() == result.rounds() && result.lostWrites() == 0 && steps.failed() == 0 ? 0 : 1, result);
    }

    private static Result rounds(LabEnvironment lab, int nodes, int rounds, int rps, KvLoad.Client client, Random random,
                                 Steps steps) {
        int passed = 0;
        int stale = 0;
        int stuck = 0;
        List<Double> toFullTolerance = new ArrayList<>();
        List<Instant[]> roundWindows = new ArrayList<>();
        List<Boolean> leaderRounds = new ArrayList<>();
        List<HandoverTrace.Breakdown> handovers = new ArrayList<>();
        List<Integer> roundNumbers = new ArrayList<>();
        int expectedTolerance = (nodes - 1) / 2;
        try (KvLoad load = new KvLoad(lab, rps, client)) {
            load.start();
            sleep(2000);
            Set<String> lostWrites = new java.util.TreeSet<>();
            for (int round = 1; round <= rounds; round++) {
                int number = round;
                Instant[] started = new Instant[1];
                Instant[] settled = new Instant[1];
                boolean[] leaderRound = new boolean[1];
                double[] tolerance = new double[1];
                int[] roundStale = new int[1];
                int[] roundStuck = new int[1];
                HandoverTrace[] traces = new HandoverTrace[1];
                // Everything a round does happens inside its step, so a failure anywhere fails that round only.
                boolean ok = steps.run(String.format(Locale.ROOT, "round %d", round), () -> {
                    VaultNode leader = lab.cluster.awaitLeader(Duration.ofSeconds(60));
                    List<VaultNode> candidates = lab.cluster.runningNodes().stream()
                            .sorted(Comparator.comparing(VaultNode::instanceId)).toList();
                    VaultNode victim = number % 3 == 0 ? leader : candidates.get(random.nextInt(candidates.size()));
                    boolean wasLeader = victim == leader;
                    leaderRound[0] = wasLeader;
                    HandoverTrace trace = wasLeader ? new HandoverTrace(lab.cluster,
                            () -> lab.loadBalancer().healthyTargets(), victim) : null;
                    started[0] = trace != null ? trace.start() : Instant.now();
                    traces[0] = trace;
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
                    settled[0] = Instant.now();
                    tolerance[0] = Duration.between(started[0], settled[0]).toMillis() / 1000.0;
                    if (trace != null) {
                        HandoverTrace.Breakdown b = trace.breakdown(settled[0], completedAt(lab, victim.instanceId(), started[0]),
                                longestStall(load.ops(), new WriteAvailability.Window(started[0], settled[0])),
                                load.slowAttempts());
                        handovers.add(b);
                        steps.info("  " + b.line());
                    }
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
                if (traces[0] != null) {
                    traces[0].close(); // polled until the round settled (or failed)
                }
                stale += roundStale[0];
                stuck += roundStuck[0];
                if (started[0] != null) {
                    roundWindows.add(new Instant[] {started[0], settled[0] != null ? settled[0] : Instant.now()});
                    leaderRounds.add(leaderRound[0]);
                    roundNumbers.add(number);
                }
                if (ok) {
                    passed++;
                    toFullTolerance.add(tolerance[0]);
                }
            }
            sleep(1000);
            load.close();
            // The run's window ends when the last operation fell due: after that nothing was asked, so nothing stalls.
            Instant loadEnd = load.lastDue() != null ? load.lastDue() : Instant.now();
            Set<String> lostAtEnd = load.lostWrites();
            lostWrites.addAll(lostAtEnd);
            int lost = lostWrites.size();
            steps.check("every acknowledged write is readable (after every round and at the end)", lost == 0,
                    Duration.ZERO, lost + " lost");
            List<KvLoad.Op> ops = load.ops();
            List<Instant[]> windows = lab.timeline.leaderlessWindows();
            List<Duration> all = ops.stream().filter(KvLoad.Op::ok).map(KvLoad.Op::took).toList();
            List<Duration> inside = ops.stream().filter(KvLoad.Op::ok).filter(o -> within(o.due(), windows))
                    .map(KvLoad.Op::took).toList();
            List<Duration> outside = ops.stream().filter(KvLoad.Op::ok).filter(o -> !within(o.due(), windows))
                    .map(KvLoad.Op::took).toList();
            double availability = ops.isEmpty() ? 100.0 : 100.0 * ops.stream().filter(KvLoad.Op::ok).count() / ops.size();

            // By time: when writes were acknowledged, over the rounds, the leader rounds and the rest of the run.
            List<Instant> writes = acknowledgedWrites(ops);
            WriteAvailability.Window whole = new WriteAvailability.Window(load.startedAt(), loadEnd);
            List<Round> perRound = new ArrayList<>();
            List<WriteAvailability.Window> leaderWindows = new ArrayList<>();
            for (int i = 0; i < roundWindows.size(); i++) {
                WriteAvailability.Window w = new WriteAvailability.Window(roundWindows.get(i)[0], roundWindows.get(i)[1]);
                perRound.add(new Round(roundNumbers.get(i), leaderRounds.get(i), w, WriteAvailability.of(writes, List.of(w))));
                if (leaderRounds.get(i)) {
                    leaderWindows.add(w);
                }
            }
            List<WriteAvailability.Window> rest = complement(whole, leaderWindows);
            Duration maxQueued = ops.stream().map(KvLoad.Op::queued).max(Duration::compareTo).orElse(Duration.ZERO);
            return new Result(rounds, passed, lost, stale, stuck, p99(all), p99(inside), p99(outside), availability,
                    toFullTolerance.stream().mapToDouble(Double::doubleValue).average().orElse(0), ops.size(), perRound,
                    WriteAvailability.of(writes, List.of(whole)), WriteAvailability.of(writes, leaderWindows),
                    WriteAvailability.of(writes, rest), maxQueued, load.maxInFlight(),
                    WriteAvailability.stalls(writes, whole, STALL), handovers, load.slowAttempts().size(),
                    load.overwrittenLate().size());
        }
    }

    private static Optional<Instant> completedAt(LabEnvironment lab, String instanceId, Instant after) {
        return lab.timeline.marks().stream().filter(m -> m.kind().equals("continue") && m.instance().equals(instanceId))
                .map(Timeline.Mark::at).filter(at -> !at.isBefore(after)).findFirst();
    }

    /** When each successful write was acknowledged. */
    static List<Instant> acknowledgedWrites(List<KvLoad.Op> ops) {
        return ops.stream().filter(KvLoad.Op::write).filter(KvLoad.Op::ok).map(KvLoad.Op::end).toList();
    }

    /** The longest interval in the window without an acknowledged write of the load. */
    static Optional<WriteAvailability.Stall> longestStall(List<KvLoad.Op> ops, WriteAvailability.Window window) {
        return WriteAvailability.stalls(acknowledgedWrites(ops), window, Duration.ZERO).stream()
                .max(Comparator.comparing(WriteAvailability.Stall::length));
    }

    /** A stall the timeline shades: longer than the 500 ms the operators hold reads and writes to. */
    static final Duration STALL = Duration.ofMillis(500);

    /** The parts of {@code whole} outside the (time-ordered, disjoint) windows. */
    static List<WriteAvailability.Window> complement(WriteAvailability.Window whole, List<WriteAvailability.Window> windows) {
        List<WriteAvailability.Window> out = new ArrayList<>();
        Instant from = whole.from();
        for (WriteAvailability.Window w : windows) {
            if (w.from().isAfter(from)) {
                out.add(new WriteAvailability.Window(from, w.from()));
            }
            if (w.to().isAfter(from)) {
                from = w.to();
            }
        }
        if (whole.to().isAfter(from)) {
            out.add(new WriteAvailability.Window(from, whole.to()));
        }
        return out;
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
