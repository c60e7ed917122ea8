package dev.raftlifecycle.decisions;

import static dev.raftlifecycle.decisions.Fixtures.id;
import static dev.raftlifecycle.decisions.Fixtures.snap;
import static dev.raftlifecycle.decisions.Fixtures.threeVoters;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClusterInitializationTest {
    private static Fixtures.Snap all501() {
        return snap(threeVoters()).answers(id(1), NodeHealth.State.UNINITIALIZED).answers(id(2), NodeHealth.State.UNINITIALIZED)
                .answers(id(3), NodeHealth.State.UNINITIALIZED).noView();
    }

    @Test
    void uninitializedOnlyOnPositiveEvidence() {
        assertThat(ClusterInitialization.judge(all501().build(), Optional.empty())).isEqualTo(ClusterInitialization.UNINITIALIZED);
        assertThat(ClusterInitialization.judge(all501().crashedJustNow(id(3)).build(), Optional.empty()))
                .isEqualTo(ClusterInitialization.UNKNOWN);
        assertThat(ClusterInitialization.judge(snap(threeVoters()).build(), Optional.empty()))
                .isEqualTo(ClusterInitialization.INITIALIZED);
    }

    @Test
    void theSubjectIsNotItsOwnWitness() {
        List<RaftPeer> one = List.of(Fixtures.voter(id(1), 1, false));
        Fixtures.Snap alone = snap(one).answers(id(1), NodeHealth.State.UNINITIALIZED).noView();
        assertThat(ClusterInitialization.judge(alone.build(), Optional.of(id(1)))).isEqualTo(ClusterInitialization.UNKNOWN);
        assertThat(ClusterInitialization.judge(alone.build(), Optional.empty())).isEqualTo(ClusterInitialization.UNINITIALIZED);
    }

    @Test
    void terminatingAndRetainedInstancesAreWitnessesAndInstancesThatAreGoneAreNot() {
        ClusterSnapshot retainedMember = all501().lifecycle(id(3), "Terminating:Retained").answers(id(3), NodeHealth.State.STANDBY).build();
        assertThat(ClusterInitialization.judge(retainedMember, Optional.of(id(1)))).isEqualTo(ClusterInitialization.INITIALIZED);
        ClusterSnapshot terminated = all501().ec2(id(3), "terminated").build();
        assertThat(ClusterInitialization.judge(terminated, Optional.of(id(1)))).isEqualTo(ClusterInitialization.UNINITIALIZED);
    }

    @Test
    void aRecordedInitializationIsForGood() {
        assertThat(ClusterInitialization.judge(all501().recordedInitialized().build(), Optional.empty()))
                .isEqualTo(ClusterInitialization.INITIALIZED);
    }
}
