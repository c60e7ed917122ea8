package dev.raftlifecycle.decisions;

import static dev.raftlifecycle.decisions.Fixtures.NOW;
import static dev.raftlifecycle.decisions.Fixtures.threeVoters;
import static dev.raftlifecycle.decisions.Fixtures.view;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StalePeersTest {
    private static final String DEAD = "i-00000000000000003";

    @Test
    void classifiesPeersByTheirInstancesEc2State() {
        List<RaftPeer> peers = List.of(Fixtures.voter("i-00000000000000001", 1, true),
                Fixtures.voter("i-00000000000000002", 2, false), Fixtures.voter(DEAD, 3, false),
                Fixtures.voter("i-00000000000000004", 4, false), new RaftPeer("vault-0", "10.0.1.9:8201", false, true));
        List<StalePeers.PeerFate> fates = StalePeers.classify(peers, Map.of("i-00000000000000001", "running",
                "i-00000000000000002", "stopped", DEAD, "terminated"));
        assertThat(fates).extracting(StalePeers.PeerFate::fate).containsExactly(StalePeers.Fate.RUNNING,
                StalePeers.Fate.STOPPED, StalePeers.Fate.TERMINATED, StalePeers.Fate.UNKNOWN, StalePeers.Fate.UNMANAGED);
        assertThat(fates).extracting(StalePeers.PeerFate::stale).containsExactly(false, true, true, true, false);
        assertThat(fates).extracting(StalePeers.PeerFate::removable).containsExactly(false, false, true, true, false);
    }

    private static List<StalePeers.PeerFate> deadThird() {
        return StalePeers.classify(threeVoters(), Map.of("i-00000000000000001", "running",
                "i-00000000000000002", "running", DEAD, "terminated"));
    }

    @Test
    void aNewlyStalePeerIsMarkedAndKeptWithinTheGracePeriod() {
        StalePeers.Plan plan = StalePeers.plan(deadThird(), Map.of(), NOW, Duration.ofMinutes(5), true,
                view(threeVoters(), DEAD));
        assertThat(plan.remove()).isEmpty();
        assertThat(plan.markFirstSeen()).containsExactly(DEAD);
        assertThat(plan.kept()).singleElement().extracting(StalePeers.Kept::reason).isEqualTo("within-grace");
    }

    @Test
    void afterTheGracePeriodItIsRemovedAndItsMarkKeptUntilTheRemovalIsConfirmed() {
        StalePeers.Plan plan = StalePeers.plan(deadThird(), Map.of(DEAD, NOW.minus(Duration.ofMinutes(6))), NOW,
                Duration.ofMinutes(5), true, view(threeVoters(), DEAD));
        assertThat(plan.remove()).singleElement().satisfies(r -> {
            assertThat(r.peer().nodeId()).isEqualTo(DEAD);
            assertThat(r.stepDownFirst()).isFalse();
        });
        // Cleared by the reconciler only once the peer is gone: a deferred removal keeps its grace clock.
        assertThat(plan.clearMarks()).doesNotContain(DEAD);
    }

    @Test
    void reportOnlyModeKeepsIt() {
        StalePeers.Plan plan = StalePeers.plan(deadThird(), Map.of(DEAD, NOW.minus(Duration.ofHours(1))), NOW,
                Duration.ofMinutes(5), false, view(threeVoters(), DEAD));
        assertThat(plan.remove()).isEmpty();
        assertThat(plan.kept()).extracting(StalePeers.Kept::reason).containsExactly("report-only");
    }

    @Test
    void aRunningButUnhealthyPeerIsNeverAReconcilerCandidate() {
        List<StalePeers.PeerFate> fates = StalePeers.classify(threeVoters(), Map.of("i-00000000000000001", "running",
                "i-00000000000000002", "running", DEAD, "running"));
        StalePeers.Plan plan = StalePeers.plan(fates, Map.of(), NOW, Duration.ZERO, true, view(threeVoters(), DEAD));
        assertThat(plan.remove()).isEmpty();
        assertThat(plan.kept()).isEmpty();
    }

    @Test
    void staleVotersAreRemovedOneAfterTheOtherEachCheckedAgainstWhatThePreviousLeaves() {
        List<RaftPeer> four = List.of(Fixtures.voter("i-00000000000000001", 1, true),
                Fixtures.voter("i-00000000000000002", 2, false), Fixtures.voter(DEAD, 3, false),
                Fixtures.voter("i-00000000000000004", 4, false));
        List<StalePeers.PeerFate> fates = StalePeers.classify(four, Map.of("i-00000000000000001", "running",
                "i-00000000000000002", "running", DEAD, "terminated", "i-00000000000000004", "terminated"));
        Map<String, java.time.Instant> longAgo = Map.of(DEAD, NOW.minusSeconds(3600), "i-00000000000000004", NOW.minusSeconds(3600));
        StalePeers.Plan plan = StalePeers.plan(fates, longAgo, NOW, Duration.ofMinutes(5), true,
                view(four, DEAD, "i-00000000000000004"));
        assertThat(plan.remove()).extracting(r -> r.peer().nodeId()).containsExactly(DEAD, "i-00000000000000004");
    }

    @Test
    void aClusterThatHasLostQuorumGetsNoRemovals() {
        // Two of three voters are gone and unhealthy: nothing can be committed, so nothing is attempted.
        List<StalePeers.PeerFate> fates = StalePeers.classify(threeVoters(), Map.of("i-00000000000000001", "running"));
        StalePeers.Plan plan = StalePeers.plan(fates, Map.of("i-00000000000000002", NOW.minusSeconds(3600),
                DEAD, NOW.minusSeconds(3600)), NOW, Duration.ofMinutes(5), true,
                view(threeVoters(), "i-00000000000000002", DEAD));
        assertThat(plan.remove()).isEmpty();
        assertThat(plan.kept()).extracting(StalePeers.Kept::reason).containsOnly("quorum-would-break");
    }

    @Test
    void marksOfPeersNoLongerStaleAreCleared() {
        StalePeers.Plan plan = StalePeers.plan(deadThird(), Map.of("i-0000000000000000e", NOW.minusSeconds(60)), NOW,
                Duration.ofMinutes(5), true, view(threeVoters(), DEAD));
        assertThat(plan.clearMarks()).contains("i-0000000000000000e");
    }
}
