package dev.raftlifecycle.lab;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.VaultNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.ToDoubleFunction;

/**
 * What happened over a lab run, sampled every half second — each instance's lifecycle state and Raft role, the
 * cluster's peers, voters, expected servers, failure tolerance and leader — plus labelled marks (terminate, crash,
 * launch, CONTINUE/ABANDON with reason, restart; leader changes are found in the samples) and every KV operation's
 * latency. Written as one self-contained HTML page of SVG charts on a shared time axis in seconds, with a legend,
 * one lane per instance, and sampling gaps drawn as gaps (a chart never joins two samples more than 1.5 s apart or
 * across a failed sample).
 */
final class Timeline {
    /** One instance at one sample. */
    record NodeSample(String instanceId, String lifecycle, String role) {
    }

    /** One sample of the cluster; {@code ok} false when autopilot could not be read (a gap, not zeros). */
    record Sample(Instant at, boolean ok, int peers, int voters, int expected, int failureTolerance, String leader,
                  List<NodeSample> nodes) {
    }

    /** A labelled event; {@code kind} picks its colour (terminate, crash, launch, continue, abandon, restart, leader). */
    record Mark(Instant at, String kind, String instance, String label) {
    }

    record Latency(Instant at, long micros, boolean ok) {
    }

    static final Map<String, String> ROLE_COLORS = Map.of("leader", "#ff7f0e", "voter", "#2ca02c",
            "non-voter", "#98df8a", "not a peer", "#c7c7c7", "dead", "#7f0000");
    static final Map<String, String> MARK_COLORS = Map.of("terminate", "#9467bd", "crash", "#d62728",
            "launch", "#1f77b4", "continue", "#2ca02c", "abandon", "#e377c2", "restart", "#17becf",
            "leader", "#ff7f0e", "warning", "#bcbd22", "note", "#7f7f7f");
    private static final Duration GAP = Duration.ofMillis(1500);
    private static final int LEFT = 150;
    private static final int WIDTH = 1180;
    private static final int RIGHT = 20;

    /** The cluster sampled now (the restore drill swaps in the new cluster after the disaster). */
    private final java.util.function.Supplier<VaultCluster> clusters;
    private final IntSupplier expectedServers;
    private volatile Function<String, String> lifecycle = id -> "InService";
    private final Instant start;
    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    private final List<Mark> marks = new CopyOnWriteArrayList<>();
    private final List<Latency> latencies = new CopyOnWriteArrayList<>();
    private volatile List<WriteAvailability.Stall> stalls = List.of();
    /** The leader at the last sample that could tell ("" none; null not known yet). Written by the sampler only. */
    private volatile String lastLeader;

    Timeline(VaultCluster cluster, IntSupplier expectedServers) {
        this(() -> cluster, expectedServers);
    }

    /** Samples whichever cluster {@code clusters} names at the time (none yet: an empty sample, a gap). */
    Timeline(java.util.function.Supplier<VaultCluster> clusters, IntSupplier expectedServers) {
        this(clusters, expectedServers, Instant.now());
    }

    /** As above, its time axis starting at {@code start} (a page of marks at chosen times, in tests). */
    Timeline(java.util.function.Supplier<VaultCluster> clusters, IntSupplier expectedServers, Instant start) {
        this.clusters = clusters;
        this.expectedServers = expectedServers;
        this.start = start;
    }

    /** Where the lanes read each instance's lifecycle state (the lab's Auto Scaling stand-in). */
    void lifecycleFrom(Function<String, String> states) {
        this.lifecycle = states;
    }

    void sample() {
        Instant at = Instant.now();
        List<NodeSample> nodes = new ArrayList<>();
        VaultCluster cluster = clusters.get();
        if (cluster == null) {
            samples.add(new Sample(at, false, 0, 0, safeExpected(), 0, "", nodes));
            return;
        }
        try {
            JsonNode state = cluster.autopilot();
            JsonNode servers = state.path("servers");
            for (VaultNode node : List.copyOf(cluster.nodes())) {
                JsonNode server = servers.path(node.nodeId()); // autopilot keys servers by node_id
                String role = !node.running() ? "dead" : server.isMissingNode() ? "not a peer"
                        : switch (server.path("status").asText("")) {
                            case "leader" -> "leader";
                            case "voter" -> "voter";
                            default -> "non-voter";
                        };
                nodes.add(new NodeSample(node.instanceId(), lifecycle.apply(node.instanceId()), role));
            }
            String leaderId = state.path("leader").asText("");
            String leader = leaderId.isEmpty() ? "" : cluster.instanceIdOfNode(leaderId);
            int expected = safeExpected();
            samples.add(new Sample(at, true, servers.size(), state.path("voters").size(), expected,
                    state.path("failure_tolerance").asInt(0), leader, nodes));
            leaderSeen(at, leader);
        } catch (RuntimeException e) {
            for (VaultNode node : List.copyOf(cluster.nodes())) {
                nodes.add(new NodeSample(node.instanceId(), lifecycle.apply(node.instanceId()),
                        node.running() ? "not a peer" : "dead"));
            }
            samples.add(new Sample(at, false, 0, 0, safeExpected(), 0, "", nodes));
            // Autopilot cannot be read without an active node. The nodes' own health says whether one is active
            // (200); some answering and none active is "no leader"; none answering tells nothing.
            String active = "";
            boolean answered = false;
            for (VaultNode node : cluster.runningNodes()) {
                int code = cluster.healthCode(node);
                answered |= code > 0;
                if (code == 200) {
                    active = node.instanceId();
                }
            }
            if (answered) {
                leaderSeen(at, active);
            }
        }
    }

    /** A leader change (or its loss) against the last leader known, as a labelled marker. */
    private void leaderSeen(Instant at, String leader) {
        String before = lastLeader;
        lastLeader = leader;
        if (before != null && !leader.equals(before)) {
            marks.add(new Mark(at, "leader", leader, leader.isEmpty() ? "no leader" : "leader " + leader));
        }
    }

    private int safeExpected() {
        try {
            return expectedServers.getAsInt();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    void mark(String label) {
        marks.add(new Mark(Instant.now(), "note", "", label));
    }

    void mark(String kind, String instance, String label) {
        mark(Instant.now(), kind, instance, label);
    }

    void mark(Instant at, String kind, String instance, String label) {
        marks.add(new Mark(at, kind, instance, label));
    }

    /** Intervals without a successful write, shaded on the latency chart. */
    void stalls(List<WriteAvailability.Stall> stalls) {
        this.stalls = List.copyOf(stalls);
    }

    void latency(Instant at, Duration took, boolean ok) {
        latencies.add(new Latency(at, took.toNanos() / 1000, ok));
    }

    List<Sample> samples() {
        return List.copyOf(samples);
    }

    List<Mark> marks() {
        return List.copyOf(marks);
    }

    /** Windows with no leader reported, from consecutive (readable) samples. */
    List<Instant[]> leaderlessWindows() {
        List<Instant[]> windows = new ArrayList<>();
        Instant open = null;
        for (Sample s : samples) {
            if (s.leader().isEmpty() && open == null) {
                open = s.at();
            } else if (!s.leader().isEmpty() && open != null) {
                windows.add(new Instant[] {open, s.at()});
                open = null;
            }
        }
        if (open != null) {
            windows.add(new Instant[] {open, Instant.now()});
        }
        return windows;
    }

    Optional<String> leaderNow() {
        VaultCluster cluster = clusters.get();
        return cluster == null ? Optional.empty() : cluster.leader().map(VaultNode::instanceId);
    }

    // ---- the page -------------------------------------------------------------------------------------------

    /** Writes the page; returns its path. */
    Path write(Path file, String title, List<String> summary) throws IOException {
        Files.createDirectories(file.getParent());
        double total = Math.max(1, seconds(Instant.now()));
        StringBuilder html = new StringBuilder();
        html.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>").append(escape(title))
                .append("</title><style>body{font:13px sans-serif;margin:20px;max-width:1240px;color:#222}"
                        + "svg{background:#fbfbfb;border:1px solid #ddd;margin:4px 0 14px;display:block}"
                        + "h2{font-size:14px;margin:14px 0 2px} .legend span{display:inline-block;margin-right:14px}"
                        + ".sw{display:inline-block;width:12px;height:12px;vertical-align:-2px;margin-right:4px}"
                        + "text{font-family:sans-serif}</style></head><body>")
                .append("<h1>").append(escape(title)).append("</h1><ul class=\"summary\">");
        for (String line : summary) {
            html.append("<li>").append(escape(line)).append("</li>");
        }
        html.append("</ul>");
        legend(html, "Markers", MARK_COLORS, List.of("terminate", "crash", "launch", "continue", "abandon", "restart",
                "leader", "warning", "note"));
        markerChart(html, total);
        lanes(html, total);
        lineChart(html, "Failure tolerance (voters that may fail without losing quorum)", total, 0, 3, List.of(
                new Line("failure tolerance", "#9467bd", s -> s.failureTolerance())));
        lineChart(html, "Raft peers and voters against expected servers (the groups' desired capacity)", total, 0,
                Math.max(3, samples.stream().mapToInt(s -> Math.max(s.peers(), s.expected())).max().orElse(3) + 1), List.of(
                        new Line("peers", "#1f77b4", s -> s.peers()),
                        new Line("voters", "#2ca02c", s -> s.voters()),
                        new Line("expected servers", "#7f7f7f", s -> s.expected())));
        latencyChart(html, total);
        html.append("<h2>Steps and events</h2><ol class=\"events\">");
        for (Mark m : marks) {
            html.append("<li data-kind=\"").append(m.kind()).append("\">")
                    .append(String.format(Locale.ROOT, "%.1f s", seconds(m.at()))).append(" — ")
                    .append(escape(m.label())).append("</li>");
        }
        html.append("</ol></body></html>");
        Files.writeString(file, html.toString());
        return file;
    }

    private record Line(String name, String color, ToDoubleFunction<Sample> value) {
    }

    private double seconds(Instant at) {
        return Duration.between(start, at).toMillis() / 1000.0;
    }

    private double x(double seconds, double total) {
        return LEFT + seconds / total * (WIDTH - LEFT - RIGHT);
    }

    private static void legend(StringBuilder html, String title, Map<String, String> colors, List<String> order) {
        html.append("<div class=\"legend\"><b>").append(escape(title)).append(":</b> ");
        for (String key : order) {
            html.append("<span><i class=\"sw\" style=\"background:").append(colors.get(key)).append("\"></i>")
                    .append(escape(key)).append("</span>");
        }
        html.append("</div>");
    }

    /** The time axis in seconds, at the bottom of a chart of height h. */
    private void axis(StringBuilder html, double total, int h) {
        double step = niceStep(total / 10);
        html.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#888\"/>",
                LEFT, WIDTH - RIGHT, h - 18, h - 18));
        for (double t = 0; t <= total + 1e-9; t += step) {
            double x = x(t, total);
            html.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#888\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s s</text>", x, x, h - 18, h - 14,
                    x, h - 4, step < 1 ? String.format(Locale.ROOT, "%.1f", t) : String.format(Locale.ROOT, "%.0f", t)));
        }
    }

    static double niceStep(double raw) {
        double[] steps = {0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600};
        for (double s : steps) {
            if (s >= raw) {
                return s;
            }
        }
        return 1200;
    }

    /** Dashed lines of every marker across a chart of height h (labels are in the marker chart above). */
    private void markerLines(StringBuilder html, double total, int top, int h) {
        for (Mark m : marks) {
            double x = x(seconds(m.at()), total);
            html.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" "
                    + "stroke-width=\"1\" stroke-dasharray=\"3,3\" opacity=\"0.6\"/>", x, x, top, h - 18,
                    MARK_COLORS.getOrDefault(m.kind(), "#7f7f7f")));
        }
    }

    // ---- marker labels: stacked into lanes, thinned where dense ------------------------------------------------

    /** Marks closer than this (px) on the axis share one label, "first label +n", every one of them on hover. */
    static final double CLUSTER_PX = 8;
    /** The labels' font is monospace 10 px: 0.6 em a character (6.0 px), with a margin. */
    static final double CHAR_PX = 6.1;
    /** Which mark of a group its label shows: the first of these kinds found (others after them, "note" last). */
    static final List<String> LABEL_PRIORITY = List.of("crash", "abandon", "terminate", "leader", "warning", "launch",
            "restart", "continue");

    private static int priority(String kind) {
        int p = LABEL_PRIORITY.indexOf(kind);
        return p < 0 ? LABEL_PRIORITY.size() : p;
    }

    /** A label on the chart is cut to this many characters (the whole text is on hover and in the list below). */
    static final int LABEL_CHARS = 30;
    /** Space kept free between two labels in one lane. */
    static final double LABEL_GAP_PX = 6;
    /** At most this many lanes of labels; a label that finds none free is not drawn (its tick and hover stay). */
    static final int MAX_LANES = 12;
    private static final int LANE_PX = 13;
    /** The tick band and the axis below the labels. */
    private static final int TICKS_PX = 48;

    /**
     * One label of the marker chart: the marks it stands for (their indexes, in time order), the one whose label it
     * shows, the lane it is drawn in
     * (0 nearest the ticks; -1: not drawn, no lane free), the x of its first mark and its box [from, to] on the x
     * axis, and its text.
     */
    record LabelBox(List<Integer> marks, int shown, int lane, double x, double from, double to, String text) {
        boolean drawn() {
            return lane >= 0;
        }
    }

    /**
     * Where the labels of marks at {@code xs} (px, ascending) go, pure: marks less than {@link #CLUSTER_PX} after the
     * first mark of a group join that group, whose label is that of its mark of the most telling kind
     * ({@link #LABEL_PRIORITY}; the first of them on a tie), cut to {@link #LABEL_CHARS}, with " +n" for the n others; each group's box starts at its x (or, where it would pass {@code right}, ends there, its
     * x still inside it),
     * {@link #CHAR_PX} a character; it goes into the first lane whose last box ends at least {@link #LABEL_GAP_PX}
     * before its own starts (so boxes in one lane never overlap and end in increasing order), or, when none of
     * {@link #MAX_LANES} is, is not drawn. Sparse marks (further apart than their labels are wide) all sit in lane 0,
     * one label each.
     */
    static List<LabelBox> layoutLabels(List<Double> xs, List<String> labels, List<String> kinds, double right) {
        List<LabelBox> out = new ArrayList<>();
        double[] laneEnds = new double[MAX_LANES];
        java.util.Arrays.fill(laneEnds, Double.NEGATIVE_INFINITY);
        int i = 0;
        while (i < xs.size()) {
            double x = xs.get(i);
            List<Integer> group = new ArrayList<>();
            while (i < xs.size() && xs.get(i) - x < CLUSTER_PX) {
                group.add(i++);
            }
            int shown = group.stream().min(java.util.Comparator.comparingInt((Integer k) -> priority(kinds.get(k))))
                    .orElseThrow();
            String text = shorten(labels.get(shown), LABEL_CHARS) + (group.size() > 1 ? " +" + (group.size() - 1) : "");
            double width = 2 + text.length() * CHAR_PX;
            double from = Math.min(x, right - width);
            double to = from + width;
            int lane = -1;
            for (int l = 0; l < MAX_LANES; l++) {
                if (laneEnds[l] + LABEL_GAP_PX <= from) {
                    lane = l;
                    laneEnds[l] = to;
                    break;
                }
            }
            out.add(new LabelBox(List.copyOf(group), shown, lane, x, from, to, text));
        }
        return out;
    }

    /**
     * Every marker on the shared time axis: a tick each (hover: its time and label) and the labels from
     * {@link #layoutLabels}, stacked in lanes above the ticks, each joined to its tick by a thin line.
     */
    private void markerChart(StringBuilder html, double total) {
        List<Mark> all = marks.stream().sorted(java.util.Comparator.comparing(Mark::at)).toList();
        List<Double> xs = all.stream().map(m -> x(seconds(m.at()), total)).toList();
        List<LabelBox> boxes = layoutLabels(xs, all.stream().map(Mark::label).toList(),
                all.stream().map(Mark::kind).toList(), WIDTH - RIGHT);
        int lanes = Math.max(1, boxes.stream().mapToInt(LabelBox::lane).max().orElse(0) + 1);
        int h = 10 + lanes * LANE_PX + TICKS_PX;
        int tickTop = h - TICKS_PX;
        long hidden = boxes.stream().filter(b -> !b.drawn()).count();
        html.append("<h2>What happened when</h2>");
        if (hidden > 0) {
            html.append("<p class=\"hidden-labels\">").append(hidden).append(" label(s) not drawn, too dense here: hover"
                    + " their ticks, or see the list of events below.</p>");
        }
        html.append("<svg class=\"markers\" width=\"").append(WIDTH).append("\" height=\"").append(h).append("\">");
        axis(html, total, h);
        for (int k = 0; k < all.size(); k++) {
            Mark m = all.get(k);
            html.append("<g class=\"marker\" data-kind=\"").append(m.kind()).append("\" data-instance=\"")
                    .append(escape(m.instance())).append("\">")
                    .append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" "
                            + "stroke-width=\"2\"><title>%s</title></line>", xs.get(k), xs.get(k), tickTop, h - 18,
                            MARK_COLORS.getOrDefault(m.kind(), "#7f7f7f"), escape(hover(m))))
                    .append("</g>");
        }
        for (LabelBox box : boxes) {
            if (!box.drawn()) {
                continue;
            }
            String color = MARK_COLORS.getOrDefault(all.get(box.shown()).kind(), "#7f7f7f");
            int y = tickTop - 4 - box.lane() * LANE_PX;
            StringBuilder title = new StringBuilder();
            for (int k : box.marks()) {
                title.append(title.length() == 0 ? "" : "\n").append(hover(all.get(k)));
            }
            html.append(String.format(Locale.ROOT, "<g class=\"label\" data-lane=\"%d\" data-from=\"%.1f\" data-to=\"%.1f\""
                            + " data-marks=\"%d\"><title>%s</title>"
                            + "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"1\" opacity=\"0.35\"/>"
                            + "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" font-family=\"monospace\" fill=\"%s\""
                            + " paint-order=\"stroke\" stroke=\"#fbfbfb\" stroke-width=\"3\">%s</text></g>",
                    box.lane(), box.from(), box.to(), box.marks().size(), escape(title.toString()), box.x(), box.x(), y + 2,
                    tickTop, color, box.from() + 2, y, color, escape(box.text())));
        }
        html.append("</svg>");
    }

    private String hover(Mark m) {
        return String.format(Locale.ROOT, "%.1f s — %s", seconds(m.at()), m.label());
    }

    private static String shorten(String label, int chars) {
        return label.length() <= chars ? label : label.substring(0, chars - 1) + "…";
    }

    /** One lane per instance: its Raft role as the bar's colour, its lifecycle state written on it. */
    private void lanes(StringBuilder html, double total) {
        LinkedHashSet<String> ids = new LinkedHashSet<>();
        samples.forEach(s -> s.nodes().forEach(n -> ids.add(n.instanceId())));
        int laneHeight = 22;
        int h = 30 + ids.size() * laneHeight + 22;
        html.append("<h2>Instances: Raft role (colour) and lifecycle state (text) over time</h2>");
        legend(html, "Role", ROLE_COLORS, List.of("leader", "voter", "non-voter", "not a peer", "dead"));
        html.append("<svg class=\"lanes\" width=\"").append(WIDTH).append("\" height=\"").append(h).append("\">");
        markerLines(html, total, 0, h);
        int row = 0;
        for (String id : ids) {
            int y = 10 + row * laneHeight;
            html.append("<g class=\"lane\" data-instance=\"").append(id).append("\">")
                    .append(String.format(Locale.ROOT, "<text x=\"4\" y=\"%d\" font-size=\"11\">%s</text>", y + 14, id));
            Segment open = null;
            for (int i = 0; i < samples.size(); i++) {
                Sample s = samples.get(i);
                Optional<NodeSample> node = s.nodes().stream().filter(n -> n.instanceId().equals(id)).findFirst();
                boolean gap = i > 0 && Duration.between(samples.get(i - 1).at(), s.at()).compareTo(GAP) > 0;
                String key = node.map(n -> n.role() + "|" + n.lifecycle()).orElse(null);
                if (open != null && (gap || !open.key().equals(key))) {
                    segment(html, open, gap ? samples.get(i - 1).at() : s.at(), total, y);
                    open = null;
                }
                if (open == null && key != null) {
                    open = new Segment(key, node.get().role(), node.get().lifecycle(), s.at());
                }
            }
            if (open != null) {
                segment(html, open, samples.get(samples.size() - 1).at(), total, y);
            }
            html.append("</g>");
            row++;
        }
        axis(html, total, h);
        html.append("</svg>");
    }

    private record Segment(String key, String role, String lifecycle, Instant from) {
    }

    private void segment(StringBuilder html, Segment seg, Instant to, double total, int y) {
        double x1 = x(seconds(seg.from()), total);
        double x2 = Math.max(x1 + 1, x(seconds(to), total));
        html.append(String.format(Locale.ROOT, "<rect class=\"segment\" data-role=\"%s\" data-lifecycle=\"%s\" "
                + "x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"%s\"><title>%s, %s</title></rect>",
                seg.role(), escape(seg.lifecycle()), x1, y, x2 - x1, ROLE_COLORS.getOrDefault(seg.role(), "#ccc"),
                escape(seg.role()), escape(seg.lifecycle())));
        if (x2 - x1 > 70 && !"InService".equals(seg.lifecycle())) {
            html.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"#fff\">%s</text>",
                    x1 + 3, y + 13, escape(seg.lifecycle())));
        }
    }

    /** Lines of sample values; a gap in sampling (or a failed sample) breaks the line. */
    private void lineChart(StringBuilder html, String title, double total, double min, double max, List<Line> lines) {
        int h = 150;
        html.append("<h2>").append(escape(title)).append("</h2>");
        Map<String, String> colors = new LinkedHashMap<>();
        lines.forEach(l -> colors.put(l.name(), l.color()));
        legend(html, "Lines", colors, lines.stream().map(Line::name).toList());
        html.append("<svg class=\"chart\" width=\"").append(WIDTH).append("\" height=\"").append(h).append("\">");
        for (int v = (int) min; v <= max; v++) {
            double y = yOf(v, min, max, h);
            html.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%d</text>", LEFT, WIDTH - RIGHT, y, y,
                    LEFT - 6, y + 3, v));
        }
        markerLines(html, total, 0, h);
        for (Line line : lines) {
            StringBuilder run = new StringBuilder();
            Sample previous = null;
            for (Sample s : samples) {
                double v = line.value().applyAsDouble(s);
                boolean valid = s.ok() && v >= 0;
                boolean gapBefore = previous != null && Duration.between(previous.at(), s.at()).compareTo(GAP) > 0;
                if (!valid || gapBefore) {
                    appendSeries(html, line, run);
                    run = new StringBuilder();
                }
                if (valid) {
                    run.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(seconds(s.at()), total),
                            yOf(Math.min(max, v), min, max, h)));
                }
                previous = s;
            }
            appendSeries(html, line, run);
        }
        axis(html, total, h);
        html.append("</svg>");
    }

    private static void appendSeries(StringBuilder html, Line line, StringBuilder points) {
        if (points.length() > 0) {
            html.append("<polyline class=\"series\" data-series=\"").append(escape(line.name()))
                    .append("\" fill=\"none\" stroke=\"").append(line.color()).append("\" stroke-width=\"2\" points=\"")
                    .append(points).append("\"/>");
        }
    }

    private static double yOf(double v, double min, double max, int h) {
        return h - 24 - (v - min) / (max - min) * (h - 36);
    }

    /** KV latency p50/p99 per second (log scale) and, below, the fraction of operations that succeeded each second. */
    private void latencyChart(StringBuilder html, double total) {
        if (latencies.isEmpty()) {
            return;
        }
        Map<Long, List<Latency>> perSecond = new java.util.TreeMap<>();
        for (Latency l : latencies) {
            perSecond.computeIfAbsent((long) Math.floor(seconds(l.at())), k -> new ArrayList<>()).add(l);
        }
        double maxMs = Math.max(10, latencies.stream().mapToLong(Latency::micros).max().orElse(0) / 1000.0);
        int h = 200;
        html.append("<h2>KV latency per second (ms, log scale): p50 and p99 of the operations that fell due that second,"
                + " timed from when they fell due; the share of them that succeeded; shaded: no write succeeded for more"
                + " than 500 ms</h2>");
        legend(html, "Lines", Map.of("p50", "#1f77b4", "p99", "#d62728", "availability (share ok)", "#2ca02c",
                        "write stall", "#f4b6b6"), List.of("p50", "p99", "availability (share ok)", "write stall"));
        html.append("<svg class=\"latency\" width=\"").append(WIDTH).append("\" height=\"").append(h).append("\">");
        for (WriteAvailability.Stall stall : stalls) {
            double x0 = x(seconds(stall.from()), total);
            double x1 = Math.max(x0 + 1, x(seconds(stall.to()), total));
            html.append(String.format(Locale.ROOT, "<rect class=\"stall\" x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"%d\""
                    + " fill=\"#f4b6b6\" opacity=\"0.6\"><title>no successful write for %.2f s</title></rect>", x0, x1 - x0,
                    h - 18, stall.length().toMillis() / 1000.0));
        }
        double logMax = Math.log10(maxMs + 1);
        for (double ms : new double[] {1, 10, 100, 1000, 10000}) {
            if (ms > maxMs * 1.5) {
                break;
            }
            double y = 10 + (1 - Math.log10(ms + 1) / logMax) * 110;
            html.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%.0f ms</text>", LEFT, WIDTH - RIGHT,
                    y, y, LEFT - 6, y + 3, ms));
        }
        html.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">100%%</text>"
                + "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">0%%</text>", LEFT - 6, 138, LEFT - 6, 176));
        markerLines(html, total, 0, h);
        for (String which : List.of("p50", "p99", "ok")) {
            StringBuilder points = new StringBuilder();
            long previous = Long.MIN_VALUE;
            for (Map.Entry<Long, List<Latency>> e : perSecond.entrySet()) {
                if (previous != Long.MIN_VALUE && e.getKey() - previous > 1 && points.length() > 0) {
                    html.append(polyline(which, points)); // a second without operations: a gap
                    points = new StringBuilder();
                }
                previous = e.getKey();
                double x = x(e.getKey() + 0.5, total);
                List<Latency> ops = e.getValue();
                double y;
                if (which.equals("ok")) {
                    double share = ops.stream().filter(Latency::ok).count() / (double) ops.size();
                    y = 176 - share * 38;
                } else {
                    List<Long> ok = ops.stream().filter(Latency::ok).map(Latency::micros).sorted().toList();
                    if (ok.isEmpty()) {
                        if (points.length() > 0) {
                            html.append(polyline(which, points));
                            points = new StringBuilder();
                        }
                        continue;
                    }
                    double q = which.equals("p50") ? 0.5 : 0.99;
                    double ms = ok.get(Math.max(0, (int) Math.ceil(q * ok.size()) - 1)) / 1000.0;
                    y = 10 + (1 - Math.log10(ms + 1) / logMax) * 110;
                }
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            if (points.length() > 0) {
                html.append(polyline(which, points));
            }
        }
        axis(html, total, h);
        html.append("</svg>");
    }

    private static String polyline(String which, StringBuilder points) {
        String color = switch (which) {
            case "p50" -> "#1f77b4";
            case "p99" -> "#d62728";
            default -> "#2ca02c";
        };
        return "<polyline class=\"series\" data-series=\"" + which + "\" fill=\"none\" stroke=\"" + color
                + "\" stroke-width=\"2\" points=\"" + points + "\"/>";
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
