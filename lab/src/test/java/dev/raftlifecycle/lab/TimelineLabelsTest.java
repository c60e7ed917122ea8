package dev.raftlifecycle.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The marker chart's labels: never on top of each other when marks are dense, one lane when they are sparse. */
class TimelineLabelsTest {
    private static final double RIGHT = 1160;

    /** A label box as the page draws it. */
    private record Drawn(int lane, double from, double to, int marks) {
    }

    /** Every label group of the marker chart, read from the page. */
    private static List<Drawn> drawn(String html) {
        Matcher m = Pattern.compile("<g class=\"label\" data-lane=\"(\\d+)\" data-from=\"([\\d.-]+)\" data-to=\"([\\d.-]+)\""
                + " data-marks=\"(\\d+)\"").matcher(html);
        List<Drawn> out = new ArrayList<>();
        while (m.find()) {
            out.add(new Drawn(Integer.parseInt(m.group(1)), Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)),
                    Integer.parseInt(m.group(4))));
        }
        return out;
    }

    /** Two boxes overlap when they share a lane and their x ranges intersect (lanes are a line of text apart). */
    private static void assertNoOverlap(List<Drawn> boxes) {
        for (int a = 0; a < boxes.size(); a++) {
            for (int b = a + 1; b < boxes.size(); b++) {
                Drawn p = boxes.get(a);
                Drawn q = boxes.get(b);
                boolean overlap = p.lane() == q.lane() && p.from() < q.to() && q.from() < p.to();
                assertThat(overlap).as("%s and %s", p, q).isFalse();
            }
        }
    }

    /** A 15-round chaos page's density: a round every 8 s, five events within 4 s each, labels as the driver writes them. */
    private static Timeline denseTimeline(Instant start) {
        Timeline timeline = new Timeline(() -> null, () -> 3, start);
        for (int round = 0; round < 12; round++) {
            double t = 2 + round * 9.5;
            String victim = "i-0" + Integer.toHexString(0xabc00 + round * 7919) + "e1";
            String next = "i-0" + Integer.toHexString(0xdef00 + round * 104729) + "f2";
            timeline.mark(at(start, t), "terminate", victim, "terminate " + victim);
            timeline.mark(at(start, t + 0.4), "leader", next, "leader " + next);
            timeline.mark(at(start, t + 1.3), "continue", victim, "CONTINUE removed the peer, quorum kept (terminate "
                    + victim + ")");
            timeline.mark(at(start, t + 1.4), "launch", next, "launch " + next);
            timeline.mark(at(start, t + 3.9), "continue", next, "CONTINUE a healthy voter (launch " + next + ")");
        }
        return timeline;
    }

    private static Instant at(Instant start, double seconds) {
        return start.plusMillis(Math.round(seconds * 1000));
    }

    @Test
    void sixtyEventsInTwoMinutesGetLabelsThatNeverOverlap(@TempDir Path dir) throws Exception {
        Instant start = Instant.now().minusSeconds(120);
        Path page = denseTimeline(start).write(dir.resolve("dense.html"), "dense", List.of());
        String html = Files.readString(page);
        assertThat(Pattern.compile("<g class=\"marker\"").matcher(html).results().count()).isEqualTo(60);
        List<Drawn> boxes = drawn(html);
        assertNoOverlap(boxes);
        // Every event is accounted for: a label of its own or in a group, or counted as not drawn.
        int labelled = boxes.stream().mapToInt(Drawn::marks).sum();
        assertThat(labelled).isEqualTo(60);
        // Stacked: more than one lane, within the cap, and the box ends within the chart.
        assertThat(boxes.stream().mapToInt(Drawn::lane).max().orElse(0)).isBetween(1, Timeline.MAX_LANES - 1);
        assertThat(boxes).allSatisfy(b -> assertThat(b.to()).isLessThanOrEqualTo(RIGHT));
        assertThat(html).doesNotContain("class=\"hidden-labels\"");
    }

    @Test
    void theLayoutKeepsEveryLaneFreeOfOverlapEvenWhenItMustDropLabels() {
        // 400 marks 3 px apart, the same long label: far more than the lanes can hold.
        List<Double> xs = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            xs.add(150 + i * 3.0);
            labels.add("CONTINUE a healthy voter (launch i-0123456789)");
        }
        List<Timeline.LabelBox> boxes = Timeline.layoutLabels(xs, labels, java.util.Collections.nCopies(xs.size(), "continue"), RIGHT);
        List<Drawn> drawn = boxes.stream().filter(Timeline.LabelBox::drawn)
                .map(b -> new Drawn(b.lane(), b.from(), b.to(), b.marks().size())).toList();
        assertNoOverlap(drawn);
        // Marks 3 px apart group by three (0, 3, 6 px after the group's first: under 8 px), so 400 marks make 134
        // groups; each is in exactly one, in time order.
        assertThat(boxes).hasSize(134);
        assertThat(boxes.stream().flatMap(b -> b.marks().stream()).toList())
                .isEqualTo(java.util.stream.IntStream.range(0, 400).boxed().toList());
        assertThat(boxes.get(0).text()).isEqualTo("CONTINUE a healthy voter (lau… +2");
        assertThat(boxes.stream().filter(b -> !b.drawn()).count()).isPositive();
        assertThat(drawn.stream().mapToInt(Drawn::lane).max().orElse(0)).isEqualTo(Timeline.MAX_LANES - 1);
    }

    @Test
    void sparseEventsKeepOneLaneAndOneLabelEach() {
        // Five marks 200 px apart, labels of 20 characters (124 px): nothing to stack, nothing to group.
        List<Double> xs = List.of(150.0, 350.0, 550.0, 750.0, 950.0);
        List<String> labels = List.of("terminate i-00000001", "leader i-00000002 ok", "launch i-0000000003.",
                "CONTINUE ok (launch)", "restart i-0000000004");
        List<Timeline.LabelBox> boxes = Timeline.layoutLabels(xs, labels, java.util.Collections.nCopies(xs.size(), "continue"), RIGHT);
        assertThat(boxes).hasSize(5);
        for (int i = 0; i < 5; i++) {
            Timeline.LabelBox b = boxes.get(i);
            assertThat(b.lane()).isZero();
            assertThat(b.marks()).containsExactly(i);
            assertThat(b.text()).isEqualTo(labels.get(i));
            assertThat(b.from()).isEqualTo(xs.get(i));
            assertThat(b.to()).isEqualTo(xs.get(i) + 2 + 20 * Timeline.CHAR_PX);
        }
    }

    @Test
    void aLabelAtTheRightEdgeEndsThereInsteadOfRunningOff() {
        List<Timeline.LabelBox> boxes = Timeline.layoutLabels(List.of(1150.0), List.of("terminate i-00000001"), List.of("terminate"), RIGHT);
        // Shifted left just enough to end at the right edge; its mark's x stays inside it, under the label.
        assertThat(boxes.get(0).to()).isEqualTo(RIGHT);
        assertThat(boxes.get(0).from()).isEqualTo(RIGHT - 2 - 20 * Timeline.CHAR_PX);
    }

    @Test
    void aGroupShowsItsMostTellingMark() {
        // The previous round's last CONTINUE, then this round's terminate and its CONTINUE, within 8 px: one label,
        // the terminate's.
        List<Timeline.LabelBox> boxes = Timeline.layoutLabels(List.of(300.0, 302.0, 305.0),
                List.of("CONTINUE ready (launch i-1)", "terminate i-2", "CONTINUE voter-removed (terminate i-2)"),
                List.of("continue", "terminate", "continue"), RIGHT);
        assertThat(boxes).hasSize(1);
        assertThat(boxes.get(0).shown()).isEqualTo(1);
        assertThat(boxes.get(0).text()).isEqualTo("terminate i-2 +2");
        assertThat(boxes.get(0).marks()).containsExactly(0, 1, 2);
    }
}
