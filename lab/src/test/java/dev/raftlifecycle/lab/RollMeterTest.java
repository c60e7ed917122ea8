package dev.raftlifecycle.lab;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The meter's pure parts, with expectations worked out by hand from the samples and the write outcomes. */
class RollMeterTest {
    private static final Instant T0 = Instant.parse("2026-12-02T00:00:00Z");

    private static Instant at(double seconds) {
        return T0.plusMillis(Math.round(seconds * 1000));
    }

    private static RollMeter.Sample leader(double t, long term, String leader) {
        return new RollMeter.Sample(at(t), true, leader, term, 1, 3);
    }

    private static RollMeter.Sample noLeader(double t) {
        return new RollMeter.Sample(at(t), true, "", 0, 0, 3);
    }

    private static RollMeter.Sample unreadable(double t) {
        return RollMeter.Sample.failed(at(t));
    }

    private static KvLoad.Op write(double due, double end, boolean ok) {
        return new KvLoad.Op(at(due), at(due), at(end), true, ok, 1);
    }

    private static KvLoad.Op read(double due, double end) {
        return new KvLoad.Op(at(due), at(due), at(end), false, true, 1);
    }

    @Test
    void theLineHasEveryFieldInOrderWithOneDecimalForSeconds() {
        var result = new RollMeter.Result(5, 5, 1, 0, 2, Duration.ofMillis(840), Duration.ofMillis(187_320));
        assertThat(result.line()).isEqualTo("roll: nodes=5 replaced=5 elections=1 lost_writes=0 min_failure_tolerance=2"
                + " longest_write_stall_s=0.8 duration_s=187.3");
        var none = new RollMeter.Result(3, 0, 0, 4, -1, Duration.ZERO, Duration.ofSeconds(12));
        assertThat(none.line()).isEqualTo("roll: nodes=3 replaced=0 elections=0 lost_writes=4 min_failure_tolerance=-1"
                + " longest_write_stall_s=0.0 duration_s=12.0");
    }

    @Test
    void oneStepDownIsOneElectionWhateverTheGapsAroundIt() {
        // A leads in term 4; the step-down leaves a moment without a leader and two unreadable samples; B leads in 5.
        List<RollMeter.Sample> samples = List.of(leader(0, 4, "A"), leader(0.15, 4, "A"), noLeader(0.3),
                unreadable(0.45), unreadable(0.6), leader(0.75, 5, "B"), leader(0.9, 5, "B"), leader(1.05, 5, "B"));
        assertThat(RollMeter.elections(samples)).isEqualTo(1);
    }

    @Test
    void aChangeNoSampleSawStillCountsWhenTheTermMoved() {
        // A in term 4, then A again in term 6: leadership went elsewhere (term 5) and came back between two polls.
        assertThat(RollMeter.elections(List.of(leader(0, 4, "A"), leader(0.15, 6, "A")))).isEqualTo(2);
        // A to C with the term up by one, then C to A with the term up by one more: two.
        assertThat(RollMeter.elections(List.of(leader(0, 4, "A"), leader(0.15, 5, "C"), leader(0.3, 6, "A"))))
                .isEqualTo(2);
    }

    @Test
    void aNewLeaderSeenFirstWithItsPreviousTermIsOneElectionNotTwo() {
        // B's first autopilot state still shows its last entry of term 4; its own first entry of term 5 follows.
        assertThat(RollMeter.elections(List.of(leader(0, 4, "A"), leader(0.15, 4, "B"), leader(0.3, 5, "B"))))
                .isEqualTo(1);
    }

    @Test
    void theSameLeaderInTheSameTermIsNoElectionAndWithoutATermADifferentLeaderCountsOne() {
        assertThat(RollMeter.elections(List.of(leader(0, 4, "A"), leader(0.15, 4, "A"), leader(0.3, 4, "A"))))
                .isZero();
        assertThat(RollMeter.elections(List.of(leader(0, 0, "A"), leader(0.15, 0, "B"), leader(0.3, 0, "B"))))
                .isEqualTo(1);
        assertThat(RollMeter.elections(List.of(unreadable(0), noLeader(0.15)))).isZero();
    }

    @Test
    void theLowestToleranceIsTheLowestAReadableSampleReported() {
        List<RollMeter.Sample> samples = new ArrayList<>();
        samples.add(new RollMeter.Sample(at(0), true, "A", 4, 2, 5));
        samples.add(new RollMeter.Sample(at(1), true, "A", 4, 1, 5));
        samples.add(unreadable(2)); // reports nothing: not a 0 (failed() carries -1)
        samples.add(new RollMeter.Sample(at(3), true, "A", 4, 2, 6));
        assertThat(RollMeter.minFailureTolerance(samples)).isEqualTo(1);
        assertThat(RollMeter.minFailureTolerance(List.of(unreadable(0)))).isEqualTo(-1);
    }

    @Test
    void replacedCountsTheStartInstancesGoneAtTheEnd() {
        assertThat(RollMeter.replaced(Set.of("i-1", "i-2", "i-3"), Set.of("i-4", "i-5", "i-6"))).isEqualTo(3);
        assertThat(RollMeter.replaced(Set.of("i-1", "i-2", "i-3"), Set.of("i-1", "i-4", "i-3", "i-5"))).isEqualTo(1);
        assertThat(RollMeter.replaced(Set.of("i-1"), Set.of("i-1"))).isZero();
    }

    @Test
    void theStallIsTheLongestIntervalWithoutAnAcknowledgedWrite() {
        // Writes acknowledged at 0.1, 0.2, 0.3; a failed write (due 0.4, given up at 2.4) and reads in between count
        // for nothing; the next acknowledged write at 1.65: 1.35 s without one; then 1.7 and the window ends at 2.0.
        List<KvLoad.Op> ops = List.of(write(0.08, 0.1, true), write(0.18, 0.2, true), write(0.28, 0.3, true),
                write(0.4, 2.4, false), read(0.5, 0.9), read(1.0, 1.2), write(0.9, 1.65, true), write(1.68, 1.7, true));
        WriteAvailability.Window window = new WriteAvailability.Window(at(0), at(2));
        assertThat(RollMeter.longestStall(ops, window)).isEqualTo(Duration.ofMillis(1350));
        // No acknowledged write at all: the whole window.
        assertThat(RollMeter.longestStall(List.of(write(0.1, 2.1, false)), window)).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void theResultTakesNodesFromTheFirstReadableSample() {
        List<RollMeter.Sample> samples = List.of(unreadable(0), new RollMeter.Sample(at(0.15), true, "A", 7, 1, 3),
                new RollMeter.Sample(at(5), true, "D", 8, 0, 4), new RollMeter.Sample(at(9), true, "D", 8, 1, 3));
        var result = RollMeter.result(samples, Set.of("A", "B", "C"), Set.of("D", "E", "F"),
                List.of(write(0.1, 0.2, true), write(9.9, 10, true)), new WriteAvailability.Window(at(0), at(10)), 0,
                Duration.ofSeconds(10));
        assertThat(result.line()).isEqualTo("roll: nodes=3 replaced=3 elections=1 lost_writes=0 min_failure_tolerance=0"
                + " longest_write_stall_s=9.8 duration_s=10.0");
    }

    @Test
    void aSampleIsParsedFromAutopilotState() throws Exception {
        var state = new ObjectMapper().readTree("""
                {"healthy":true,"failure_tolerance":1,"leader":"i-b","voters":["i-a","i-b","i-c"],
                 "servers":{"i-a":{"last_term":6},"i-b":{"last_term":7},"i-c":{"last_term":7}}}""");
        assertThat(RollMeter.parse(at(1), state)).isEqualTo(new RollMeter.Sample(at(1), true, "i-b", 7, 1, 3));
        assertThat(RollMeter.parse(at(1), new ObjectMapper().readTree("{}")).ok()).isFalse();
    }

    @Test
    void theToleranceIsTheVotersOwnAnswersNotAutopilotsDipAfterALeaderChange() {
        // Three voters all answering: one can fail. Autopilot's new leader says 0 for a moment after an election.
        List<RollMeter.Sample> samples = List.of(
                new RollMeter.Sample(at(0), true, "A", 4, 1, 3, 1),
                new RollMeter.Sample(at(1), true, "B", 5, 0, 3, 1),
                new RollMeter.Sample(at(2), true, "B", 5, 1, 4, RollMeter.answeringFailureTolerance(3, 4)));
        assertThat(RollMeter.minFailureTolerance(samples)).isEqualTo(0); // 4 voters, 3 answering: 3 - 3
        assertThat(RollMeter.answeringFailureTolerance(3, 3)).isEqualTo(1);
        assertThat(RollMeter.answeringFailureTolerance(4, 4)).isEqualTo(1);
        assertThat(RollMeter.answeringFailureTolerance(5, 5)).isEqualTo(2);
        assertThat(RollMeter.answeringFailureTolerance(1, 3)).isEqualTo(0);
        RollMeter.Result r = RollMeter.result(samples.subList(0, 2), java.util.Set.of(), java.util.Set.of(), List.of(),
                new WriteAvailability.Window(at(0), at(2)), 0, java.time.Duration.ofSeconds(2));
        assertThat(r.minFailureTolerance()).isEqualTo(1);
        assertThat(r.autopilotMinFailureTolerance()).isEqualTo(0);
    }
}
