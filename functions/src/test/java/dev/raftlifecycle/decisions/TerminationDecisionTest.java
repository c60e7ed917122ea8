package dev.raftlifecycle.decisions;

import static dev.raftlifecycle.decisions.Fixtures.threeVoters;
import static dev.raftlifecycle.decisions.Fixtures.view;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.decisions.TerminationDecision.Action;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TerminationDecisionTest {
    private static TerminationDecision decide(String instance, ClusterView view, boolean decommissioning) {
        PeerMatch match = PeerMatch.find(instance, Optional.empty(), view.peers(), java.util.Set.of());
        return TerminationDecision.decide(new TerminationDecision.Facts(instance, Reachability.OBSERVED,
                Optional.of(view), match, decommissioning));
    }

    @Test
    void aFollowerIsRemovedWithoutStepDown() {
        TerminationDecision d = decide("i-00000000000000002", view(threeVoters()), false);
        assertThat(d.action()).isEqualTo(Action.REMOVE_THEN_CONTINUE);
        assertThat(d.stepDownFirst()).isFalse();
        assertThat(d.reason()).isEqualTo("voter-removed");
    }

    @Test
    void theLeaderIsSteppedDownFirst() {
        TerminationDecision d = decide("i-00000000000000001", view(threeVoters()), false);
        assertThat(d.action()).isEqualTo(Action.REMOVE_THEN_CONTINUE);
        assertThat(d.stepDownFirst()).isTrue();
        assertThat(d.reason()).isEqualTo("leader-removed");
    }

    @Test
    void quorumBreakingRemovalIsAbandoned() {
        TerminationDecision d = decide("i-00000000000000002", view(threeVoters(), "i-00000000000000003"), false);
        assertThat(d.action()).isEqualTo(Action.ABANDON);
        assertThat(d.reason()).isEqualTo("quorum-would-break");
        assertThat(d.safety()).get().extracting(RemovalSafety.Assessment::healthyVotersAfter).isEqualTo(1);
    }

    @Test
    void decommissioningRemovesEvenWhenQuorumWouldBreak() {
        TerminationDecision d = decide("i-00000000000000002", view(threeVoters(), "i-00000000000000003"), true);
        assertThat(d.action()).isEqualTo(Action.REMOVE_THEN_CONTINUE);
        assertThat(d.reason()).isEqualTo("decommissioning");
    }

    @Test
    void notAMemberContinuesWithoutRemoval() {
        TerminationDecision d = decide("i-0000000000000000f", view(threeVoters()), false);
        assertThat(d.action()).isEqualTo(Action.CONTINUE);
        assertThat(d.reason()).isEqualTo("not-a-member");
        assertThat(d.peer()).isEmpty();
    }

    @Test
    void ambiguousMatchIsAbandonedUnlessDecommissioning() {
        ClusterView v = view(threeVoters());
        PeerMatch ambiguous = new PeerMatch.Ambiguous("two peers at 10.0.1.2");
        assertThat(TerminationDecision.decide(new TerminationDecision.Facts("i-0aaaaaaaaaaaaaaa1", Reachability.OBSERVED,
                Optional.of(v), ambiguous, false)).action()).isEqualTo(Action.ABANDON);
        assertThat(TerminationDecision.decide(new TerminationDecision.Facts("i-0aaaaaaaaaaaaaaa1", Reachability.OBSERVED,
                Optional.of(v), ambiguous, true)).action()).isEqualTo(Action.CONTINUE);
    }

    @ParameterizedTest
    @CsvSource({
            "UNINITIALIZED, false, CONTINUE, cluster-uninitialized",
            "UNINITIALIZED, true, CONTINUE, cluster-uninitialized",
            "UNREACHABLE, false, ABANDON, cluster-unreachable",
            "UNREACHABLE, true, CONTINUE, decommissioning-cluster-unreachable",
            "TLS_FAILURE, false, ABANDON, tls-failure",
            "AUTH_FAILED, false, ABANDON, auth-failed",
            "NO_LEADER, false, ABANDON, no-leader",
            "NO_LEADER, true, CONTINUE, decommissioning-no-leader",
    })
    void whenTheClusterCannotBeObserved(Reachability reachability, boolean decommissioning, Action action, String reason) {
        TerminationDecision d = TerminationDecision.decide(new TerminationDecision.Facts("i-00000000000000002",
                reachability, Optional.empty(), new PeerMatch.NotMember("not observed"), decommissioning));
        assertThat(d.action()).isEqualTo(action);
        assertThat(d.reason()).isEqualTo(reason);
    }

    @Test
    void aSingleVoterLeaderIsNotSteppedDownBecauseThereIsNoOneToTakeOver() {
        List<RaftPeer> peers = List.of(Fixtures.voter("i-00000000000000001", 1, true));
        TerminationDecision d = decide("i-00000000000000001", view(peers), true);
        assertThat(d.action()).isEqualTo(Action.REMOVE_THEN_CONTINUE);
        assertThat(d.stepDownFirst()).isFalse();
    }
}
