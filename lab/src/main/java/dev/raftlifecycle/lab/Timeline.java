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
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What happened over a lab run, sampled every half second (Raft peers, voters, failure tolerance, leader)
 * plus step marks and KV latencies, written at the end as a self-contained HTML page with SVG charts.
 */
final class Timeline {
    /** One sample of the cluster. */
    record Sample(Instant at, int peers, int voters, int failureTolerance, String leader) {
    }

    record Mark(Instant at, String label) {
    }

    record Latency(Instant at, long micros, boolean ok) {
    }

    private final VaultCluster cluster;
    private final Instant start = Instant.now();
    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    private final List<Mark> marks = new CopyOnWriteArrayList<>();
    private final List<Latency> latencies = new CopyOnWriteArrayList<>();

    Timeline(VaultCluster cluster) {
        this.cluster = cluster;
    }

    void sample() {
        try {
            JsonNode state = cluster.autopilot();
            int voters = state.path("voters").size();
            String leader = state.path("leader").asText("");
            samples.add(new Sample(Instant.now(), state.path("servers").size(), voters,
                    state.path("failure_tolerance").asInt(0), leader));
        } catch (RuntimeException e) {
            samples.add(new Sample(Instant.now(), 0, 0, 0, ""));
        }
    }

    void mark(String label) {
        marks.add(new Mark(Instant.now(), label));
    }

    void latency(Instant at, Duration took, boolean ok) {
        latencies.add(new Latency(at, took.toNanos() / 1000, ok));
    }

    List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** Windows with no leader reported, from consecutive samples. */
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
        return cluster.leader().map(VaultNode::instanceId);
    }

    /** Writes the page; returns its path. */
    Path write(Path file, String title, List<String> summary) throws IOException {
        Files.createDirectories(file.getParent());
        double total = Math.max(1, Duration.between(start, Instant.now()).toMillis() / 1000.0);
        StringBuilder html = new StringBuilder();
        html.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>").append(escape(title))
                .append("</title><style>body{font:14px sans-serif;margin:24px;max-width:1100px}"
                        + "svg{background:#fafafa;border:1px solid #ddd;margin:6px 0}"
                        + "h2{font-size:15px;margin:18px 0 4px} .mark{fill:#b00;font-size:10px}</style></head><body>")
                .append("<h1>").append(escape(title)).append("</h1><ul>");
        for (String line : summary) {
            html.append("<li>").append(escape(line)).append("</li>");
        }
        html.append("</ul>");
        chart(html, "Raft peers (blue) and voters (green)", total, 0, 7,
                List.of(series(s -> s.peers(), "#1f77b4"), series(s -> s.voters(), "#2ca02c")));
        chart(html, "Failure tolerance", total, 0, 3, List.of(series(s -> s.failureTolerance(), "#9467bd")));
        chart(html, "Leader present (1) — leader changes are marked", total, 0, 1,
                List.of(series(s -> s.leader().isEmpty() ? 0 : 1, "#ff7f0e")));
        latencyChart(html, total);
        html.append("<h2>Steps</h2><ol>");
        for (Mark m : marks) {
            html.append("<li>").append(String.format(Locale.ROOT, "%.1f s", seconds(m.at())))
                    .append(" — ").append(escape(m.label())).append("</li>");
        }
        html.append("</ol></body></html>");
        Files.writeString(file, html.toString());
        return file;
    }

    private interface Value {
        double of(Sample s);
    }

    private record Series(Value value, String color) {
    }

    private static Series series(Value value, String color) {
        return new Series(value, color);
    }

    private double seconds(Instant at) {
        return Duration.between(start, at).toMillis() / 1000.0;
    }

    private void chart(StringBuilder html, String title, double total, double min, double max, List<Series> series) {
        int w = 1000;
        int h = 140;
        html.append("<h2>").append(escape(title)).append("</h2><svg width=\"").append(w).append("\" height=\"").append(h)
                .append("\" viewBox=\"0 0 ").append(w).append(' ').append(h).append("\">");
        marks(html, total, w, h);
        for (Series s : series) {
            StringBuilder points = new StringBuilder();
            for (Sample sample : samples) {
                double x = 40 + seconds(sample.at()) / total * (w - 50);
                double y = h - 15 - (Math.min(max, s.value().of(sample)) - min) / (max - min) * (h - 30);
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            html.append("<polyline fill=\"none\" stroke=\"").append(s.color()).append("\" stroke-width=\"2\" points=\"")
                    .append(points).append("\"/>");
        }
        for (int v = (int) min; v <= max; v++) {
            double y = h - 15 - (v - min) / (max - min) * (h - 30);
            html.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"%.1f\" font-size=\"10\">%d</text>", y + 3, v));
        }
        html.append("</svg>");
    }

    private void latencyChart(StringBuilder html, double total) {
        if (latencies.isEmpty()) {
            return;
        }
        int w = 1000;
        int h = 160;
        double maxMs = Math.max(10, latencies.stream().mapToLong(Latency::micros).max().orElse(0) / 1000.0);
        html.append("<h2>KV request latency (ms, log scale; red = failed) — max ")
                .append(String.format(Locale.ROOT, "%.0f", maxMs)).append(" ms</h2><svg width=\"").append(w)
                .append("\" height=\"").append(h).append("\">");
        marks(html, total, w, h);
        double logMax = Math.log10(maxMs + 1);
        for (Latency l : latencies) {
            double x = 40 + seconds(l.at()) / total * (w - 50);
            double y = h - 15 - Math.log10(l.micros() / 1000.0 + 1) / logMax * (h - 30);
            html.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.5\" fill=\"%s\"/>", x, y,
                    l.ok() ? "#1f77b4" : "#d62728"));
        }
        html.append("</svg>");
    }

    private void marks(StringBuilder html, double total, int w, int h) {
        for (Mark m : marks) {
            double x = 40 + seconds(m.at()) / total * (w - 50);
            html.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"0\" y2=\"%d\" stroke=\"#bbb\" stroke-dasharray=\"3,3\"/>", x, x, h));
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
