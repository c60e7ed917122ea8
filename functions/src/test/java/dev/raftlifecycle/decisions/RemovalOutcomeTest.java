package dev.raftlifecycle.decisions;

import static dev.raftlifecycle.decisions.Fixtures.id;
import static dev.raftlifecycle.decisions.Fixtures.threeVoters;
import static dev.raftlifecycle.decisions.Fixtures.view;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RemovalOutcomeTest {
    private static final ClusterView WITH = view(threeVoters());
    private static final ClusterView WITHOUT = view(List.of(threeVoters().get(0), threeVoters().get(1)));

    @Test
    void onlyTheReReadSaysWhatHappened() {
        assertThat(RemovalOutcome.judge(id(3), true, Optional.of(WITHOUT))).isEqualTo(RemovalOutcome.REMOVED);
        // A failed or timed-out call whose change was applied anyway.
        assertThat(RemovalOutcome.judge(id(3), false, Optional.of(WITHOUT))).isEqualTo(RemovalOutcome.REMOVED);
        assertThat(RemovalOutcome.judge(id(3), true, Optional.of(WITH))).isEqualTo(RemovalOutcome.UNCONFIRMED);
        assertThat(RemovalOutcome.judge(id(3), false, Optional.of(WITH))).isEqualTo(RemovalOutcome.NOT_REMOVED);
        assertThat(RemovalOutcome.judge(id(3), false, Optional.empty())).isEqualTo(RemovalOutcome.UNKNOWN);
        assertThat(RemovalOutcome.judge(id(3), true, Optional.empty())).isEqualTo(RemovalOutcome.UNKNOWN);
    }

    @Test
    void eachFailureHasItsReason() {
        assertThat(RemovalOutcome.UNCONFIRMED.failureReason()).isEqualTo(Reason.REMOVAL_UNCONFIRMED);
        assertThat(RemovalOutcome.NOT_REMOVED.failureReason()).isEqualTo(Reason.REMOVAL_FAILED);
        assertThat(RemovalOutcome.UNKNOWN.failureReason()).isEqualTo(Reason.REMOVAL_UNKNOWN);
    }
}
