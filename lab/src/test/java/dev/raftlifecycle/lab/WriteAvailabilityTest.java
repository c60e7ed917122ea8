package dev.raftlifecycle.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Expectations worked out by hand from the instants, second by second. */
class WriteAvailabilityTest {
    private static final Instant T0 = Instant.parse("2026-12-02T00:00:00Z");

    private static Instant at(double seconds) {
        return T0.plusMillis(Math.round(seconds * 1000));
    }

    private static WriteAvailability.Window window(double from, double to) {
        return new WriteAvailability.Window(at(from), at(to));
    }

    /** A write every 40 ms over [from, to). */
    private static List<Instant> steady(double from, double to) {
        List<Instant> out = new ArrayList<>();
        for (double t = from; t < to - 1e-9; t += 0.04) {
            out.add(at(t));
        }
        return out;
    }

    @Test
    void aNineSecondGapIsNineSecondsWithoutAWriteAndTheLongestStall() {
        List<Instant> writes = new ArrayList<>(steady(0, 10));
        writes.addAll(steady(19.2, 30)); // nothing from 10.0 (last at 9.96) to 19.2
        var figures = WriteAvailability.of(writes, List.of(window(0, 30)));
        // Seconds 10..18 ([10,11) .. [18,19)) have no write: 9 of 30; [19,20) has 19.2.
        assertThat(figures.seconds()).isEqualTo(30);
        assertThat(figures.secondsWithout()).isEqualTo(9);
        assertThat(figures.percent()).isEqualTo(70.0);
        assertThat(figures.longestStall()).isEqualTo(Duration.ofMillis(19200 - 9960));
    }

    @Test
    void theOperationCountWouldHideWhatTheSecondsShow() {
        // One write per second, each at .5: every second has one, the longest interval is one second.
        List<Instant> writes = new ArrayList<>();
        for (int s = 0; s < 10; s++) {
            writes.add(at(s + 0.5));
        }
        var figures = WriteAvailability.of(writes, List.of(window(0, 10)));
        assertThat(figures.secondsWithout()).isZero();
        assertThat(figures.longestStall()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void theWindowEdgesCountAsStallBoundaries() {
        // Nothing in the first 1.5 s, 2.0 → 3.0 a second, and nothing after 3.0 in a window to 4.2.
        var w = window(0, 4.2);
        List<Instant> writes = List.of(at(1.5), at(2.0), at(3.0), at(7.0));
        var stalls = WriteAvailability.stalls(writes, w, Duration.ofMillis(600));
        assertThat(stalls).extracting(WriteAvailability.Stall::length)
                .containsExactly(Duration.ofMillis(1500), Duration.ofMillis(1000), Duration.ofMillis(1200));
        assertThat(WriteAvailability.stalls(writes, w, Duration.ofMillis(1100))).extracting(WriteAvailability.Stall::length)
                .containsExactly(Duration.ofMillis(1500), Duration.ofMillis(1200));
        var figures = WriteAvailability.of(writes, List.of(w));
        assertThat(figures.seconds()).isEqualTo(4); // [0,1) [1,2) [2,3) [3,4); 0.2 s left out
        assertThat(figures.secondsWithout()).isEqualTo(1); // [0,1)
        assertThat(figures.longestStall()).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void severalWindowsAddUpAndWritesOutsideThemDoNotCount() {
        List<Instant> writes = List.of(at(0.5), at(5.5));
        var figures = WriteAvailability.of(writes, List.of(window(0, 2), window(5, 6)));
        assertThat(figures.seconds()).isEqualTo(3);
        assertThat(figures.secondsWithout()).isEqualTo(1); // [1,2)
        assertThat(figures.longestStall()).isEqualTo(Duration.ofMillis(1500)); // 0.5 → 2.0
    }

    @Test
    void noWindowsIsFullyAvailableAndABackwardsWindowIsRefused() {
        assertThat(WriteAvailability.of(List.of(), List.of()).percent()).isEqualTo(100.0);
        assertThat(WriteAvailability.of(List.of(), List.of(window(0, 3))).percent()).isZero();
        assertThatThrownBy(() -> window(2, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ends before it starts");
    }
}
