package dev.raftlifecycle.lab;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * scripts/bench roll: a 5-node cluster rolled to a new image under 50 req/s of KV load (the deadline client), the
 * leader-last order against the order AWS would pick (one instance refresh per group, in group order), each on a new
 * lab cluster, alternating, {@link #RUNS} runs of each in one invocation. Both run the same scripts/rolling-upgrade
 * against the lab's AWS endpoint; only --order differs. Figures are RollMeter's, measured from outside the automation.
 */
final class RollBenchmark {
    static final int NODES = 5;
    static final int RPS = 50;
    /** Runs of each order (bench.roll.runs overrides). */
    static final int RUNS = Integer.getInteger("bench.roll.runs", 3);

    private RollBenchmark() {
    }

    static String section(Path out) throws Exception {
        List<LabRoll.Run> leaderLast = new ArrayList<>();
        List<LabRoll.Run> asAws = new ArrayList<>();
        for (int run = 1; run <= RUNS; run++) {
            leaderLast.add(one("leader-last", out, run));
            asAws.add(one("as-aws", out, run));
        }
        StringBuilder md = new StringBuilder();
        md.append("## Rolling a new image through the cluster (scripts/bench roll)\n\n");
        md.append(String.format(Locale.ROOT, "%d nodes (groups of 2, 2, 1), %d req/s KV load with the deadline client, "
                + "every node replaced by `scripts/rolling-upgrade` against the lab's AWS endpoint; a new lab cluster per "
                + "run, the orders alternating; median of %d runs each (every run's value in brackets). Elections: Raft "
                + "terms the cluster went through; failure tolerance: voters answering their own health minus a quorum "
                + "of the configuration's voters, lowest seen; an admission: a launch to its hook's CONTINUE.%n%n",
                NODES, RPS, RUNS));
        md.append("| | leader-last (default) | as-aws (one instance refresh per group) |\n|---|---|---|\n");
        row(md, "leader elections during the roll", leaderLast, asAws, r -> r.figures().elections(), "%.0f");
        row(md, "longest write stall (s)", leaderLast, asAws, r -> r.figures().longestWriteStall().toMillis() / 1000.0, "%.1f");
        row(md, "seconds with an acknowledged write (%)", leaderLast, asAws, r -> r.writes().percent(), "%.1f");
        row(md, "lowest failure tolerance (before: " + (NODES - 1) / 2 + ")", leaderLast, asAws,
                r -> r.figures().minFailureTolerance(), "%.0f");
        row(md, "lost writes", leaderLast, asAws, r -> r.figures().lostWrites(), "%.0f");
        row(md, "roll duration (s)", leaderLast, asAws, r -> r.figures().duration().toMillis() / 1000.0, "%.1f");
        row(md, "nodes × median admission (s)", leaderLast, asAws,
                r -> NODES * Benchmarks.median(r.admissions().stream().map(d -> d.toMillis() / 1000.0).toList()), "%.1f");
        row(md, "duration / (nodes × median admission)", leaderLast, asAws,
                r -> r.figures().duration().toMillis() / 1000.0
                        / (NODES * Benchmarks.median(r.admissions().stream().map(d -> d.toMillis() / 1000.0).toList())),
                "%.2f");
        row(md, "nodes replaced", leaderLast, asAws, r -> r.figures().replaced(), "%.0f");
        md.append(String.format(Locale.ROOT, "%nReproduce: `scripts/bench roll` (`-Dbench.roll.runs=N` through "
                + "`JAVA_TOOL_OPTIONS` for another count). Machine: %s.%n", Benchmarks.machine()));
        return md.toString();
    }

    private static LabRoll.Run one(String order, Path out, int run) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        LabRoll.Run result = LabRoll.execute(NODES, order, RPS, out, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String text = bytes.toString(StandardCharsets.UTF_8);
        String last = text.strip().substring(text.strip().lastIndexOf('\n') + 1);
        System.err.printf(Locale.ROOT, "bench roll: %s run %d: exit %d, %s%n", order, run, result.exit(), last);
        if (result.figures() == null || result.writes() == null) {
            throw new IllegalStateException("bench roll: the " + order + " roll did not run:\n" + text);
        }
        return result;
    }

    private static void row(StringBuilder md, String name, List<LabRoll.Run> a, List<LabRoll.Run> b,
                            ToDoubleFunction<LabRoll.Run> figure, String format) {
        md.append("| ").append(name).append(" | ").append(cell(a, figure, format)).append(" | ")
                .append(cell(b, figure, format)).append(" |\n");
    }

    private static String cell(List<LabRoll.Run> runs, ToDoubleFunction<LabRoll.Run> figure, String format) {
        List<Double> values = runs.stream().mapToDouble(figure).boxed().toList();
        return String.format(Locale.ROOT, format, Benchmarks.median(values)) + " ["
                + String.join(", ", values.stream().map(v -> String.format(Locale.ROOT, format, v)).toList()) + "]";
    }
}
