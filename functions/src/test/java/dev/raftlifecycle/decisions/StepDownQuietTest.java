package dev.raftlifecycle.decisions;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StepDownQuietTest {
    private static final Instant T = Instant.parse("2026-12-02T00:00:00Z");
    private static final Duration TEN = Duration.ofSeconds(10);

    private static Instant at(long millis) {
        return T.plusMillis(millis);
    }

    @Test
    void withoutAStepDownTheActionIsCompletedAtOnce() {
        assertThat(StepDownQuiet.waitUntil(Optional.empty(), TEN, at(500), at(60_000))).isEmpty();
    }

    @Test
    void afterAStepDownItWaitsTenSecondsFromWhenAnotherLeaderWasSeen() {
        // Seen at 0.8 s, removal confirmed at 2.1 s: wait until 10.8 s.
        assertThat(StepDownQuiet.waitUntil(Optional.of(at(800)), TEN, at(2100), at(60_000))).contains(at(10_800));
    }

    @Test
    void aQuietPeriodAlreadyOverOrSwitchedOffMeansNoWait() {
        assertThat(StepDownQuiet.waitUntil(Optional.of(at(0)), TEN, at(10_000), at(60_000))).isEmpty();
        assertThat(StepDownQuiet.waitUntil(Optional.of(at(0)), TEN, at(12_000), at(60_000))).isEmpty();
        assertThat(StepDownQuiet.waitUntil(Optional.of(at(0)), Duration.ZERO, at(100), at(60_000))).isEmpty();
    }

    @Test
    void neverPastTheInvocationsDeadline() {
        assertThat(StepDownQuiet.waitUntil(Optional.of(at(0)), TEN, at(2000), at(6000))).contains(at(6000));
        assertThat(StepDownQuiet.waitUntil(Optional.of(at(0)), TEN, at(6000), at(6000))).isEmpty();
    }
}
