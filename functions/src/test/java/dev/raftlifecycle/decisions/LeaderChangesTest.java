package dev.raftlifecycle.decisions;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class LeaderChangesTest {
    private static final Instant T0 = Instant.parse("2026-12-02T08:00:00Z");

    private static LeaderChanges.Leader leader(String id, long term, int second) {
        return new LeaderChanges.Leader(id, term, T0.plusSeconds(second));
    }

    @Test
    void theFirstRunOnlyRecords() {
        LeaderChanges.Count count = LeaderChanges.count(Optional.empty(), Optional.of(leader("a", 4, 0)));
        assertThat(count.changes()).isEmpty();
        assertThat(count.record()).contains(leader("a", 4, 0));
    }

    @Test
    void noLeaderNowPublishesNothingAndKeepsTheRecord() {
        LeaderChanges.Count count = LeaderChanges.count(Optional.of(leader("a", 4, 0)), Optional.empty());
        assertThat(count.changes()).isEmpty();
        assertThat(count.record()).contains(leader("a", 4, 0));
    }

    @Test
    void theSameLeaderInTheSameTermIsNoChangeAndLeavesTheRecordAlone() {
        LeaderChanges.Count count = LeaderChanges.count(Optional.of(leader("a", 4, 0)), Optional.of(leader("a", 4, 60)));
        assertThat(count.changes()).contains(0L);
        assertThat(count.record()).contains(leader("a", 4, 0));
    }

    @Test
    void everyTermBegunInBetweenCountsEvenWhenTheLeaderIsTheSameAgain() {
        assertThat(LeaderChanges.count(Optional.of(leader("a", 4, 0)), Optional.of(leader("b", 7, 60))).changes())
                .contains(3L);
        // a lost and won back its leadership: writes stalled all the same.
        assertThat(LeaderChanges.count(Optional.of(leader("a", 4, 0)), Optional.of(leader("a", 5, 60))).changes())
                .contains(1L);
    }

    @Test
    void anOlderViewThanTheRecordCountsNothingAndNeverRollsTheRecordBack() {
        LeaderChanges.Count count = LeaderChanges.count(Optional.of(leader("b", 7, 60)), Optional.of(leader("a", 5, 30)));
        assertThat(count.changes()).contains(0L);
        assertThat(count.record()).contains(leader("b", 7, 60));
    }

    @Test
    void aLowerTermSeenLaterIsARebuiltClusterANewBaseline() {
        LeaderChanges.Count count = LeaderChanges.count(Optional.of(leader("b", 70, 0)), Optional.of(leader("x", 2, 60)));
        assertThat(count.changes()).contains(0L);
        assertThat(count.record()).contains(leader("x", 2, 60));
    }

    @Test
    void withoutATermADifferentLeaderCountsOnce() {
        assertThat(LeaderChanges.count(Optional.of(leader("a", 0, 0)), Optional.of(leader("b", 0, 60))).changes())
                .contains(1L);
        assertThat(LeaderChanges.count(Optional.of(leader("a", 0, 0)), Optional.of(leader("a", 0, 60))).changes())
                .contains(0L);
    }

    /**
     * A model of the truth: elections at random instants (the term is a step function of time), publisher runs that
     * observe at one instant and record later, overlapping and out of order. Whatever the interleaving, the published
     * changes add up to exactly the elections between the first and the last recorded observation: nothing is
     * counted twice, nothing between two runs is lost.
     */
    @Test
    void overlappingRunsNeitherLoseNorDoubleCountAnElection() {
        Random random = new Random(20261202);
        for (int scenario = 0; scenario < 500; scenario++) {
            TreeMap<Integer, Long> termAt = new TreeMap<>();
            TreeMap<Integer, String> leaderAt = new TreeMap<>();
            long term = 1 + random.nextInt(50);
            termAt.put(0, term);
            leaderAt.put(0, "n" + random.nextInt(5));
            for (int second = 1; second < 3600; second++) {
                if (random.nextInt(60) == 0) {
                    term += 1 + (random.nextInt(5) == 0 ? 1 : 0); // now and then a split vote first
                    termAt.put(second, term);
                    leaderAt.put(second, "n" + random.nextInt(5));
                }
            }
            record Run(int observedAt, int recordedAt) {
            }
            List<Run> runs = new ArrayList<>();
            for (int minute = 0; minute < 60; minute++) {
                int observed = minute * 60 + random.nextInt(60);
                runs.add(new Run(observed, observed + random.nextInt(150))); // up to 2.5 min late: overlaps
            }
            runs.sort(Comparator.comparingInt(Run::recordedAt));
            Optional<LeaderChanges.Leader> stored = Optional.empty();
            long published = 0;
            Optional<LeaderChanges.Leader> first = Optional.empty();
            for (Run run : runs) {
                LeaderChanges.Leader seen = leader(leaderAt.floorEntry(run.observedAt()).getValue(),
                        termAt.floorEntry(run.observedAt()).getValue(), run.observedAt());
                LeaderChanges.Count count = LeaderChanges.count(stored, Optional.of(seen));
                published += count.changes().orElse(0L);
                if (first.isEmpty()) {
                    first = count.record();
                }
                stored = count.record();
            }
            long truth = termAt.floorEntry((int) (stored.orElseThrow().seenAt().getEpochSecond() - T0.getEpochSecond()))
                    .getValue() - termAt.floorEntry((int) (first.orElseThrow().seenAt().getEpochSecond()
                    - T0.getEpochSecond())).getValue();
            assertThat(published).as("scenario %d", scenario).isEqualTo(truth);
        }
    }
}
