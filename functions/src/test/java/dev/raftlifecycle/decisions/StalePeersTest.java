package dev.raftlifecycle.decisions;

import static dev.raftlifecycle.decisions.Fixtures.NOW;
import static dev.raftlifecycle.decisions.Fixtures.id;
import static dev.raftlifecycle.decisions.Fixtures.snap;
import static dev.raftlifecycle.decisions.Fixtures.threeVoters;
import static dev.raftlifecycle.decisions.Fixtures.voters;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StalePeersTest {
    private static final String DEAD = id(3);
    private static final Duration GRACE = Duration.ofMinutes(5);

    private static StalePeers.Plan plan(ClusterSnapshot s, Map<String, Instant> firstSeen, Duration grace, boolean remove) {
        return StalePeers.plan(StalePeers.classify(s), firstSeen, NOW, grace, remove, s, SafetyRules.DEFAULTS);
    }

    @Test
    void classifiesPeersByTheirInstancesEc2State() {
        List<RaftPeer> peers = List.of(Fixtures.voter(id(1), 1, true), Fixtures.voter(id(2), 2, false),
                Fixtures.voter(DEAD, 3, false), Fixtures.voter(id(4), 4, false), new RaftPeer("vault-0", "10.0.1.9:8201", false, true));
        List<StalePeers.PeerFate> fates = StalePeers.classify(peers, Map.of(id(1), "running", id(2), "stopped", DEAD, "terminated"));
        assertThat(fates).extracting(StalePeers.PeerFate::fate).containsExactly(StalePeers.Fate.RUNNING,
                StalePeers.Fate.STOPPED, StalePeers.Fate.TERMINATED, StalePeers.Fate.UNKNOWN, StalePeers.Fate.UNMANAGED);
        assertThat(fates).extracting(StalePeers.PeerFate::stale).containsExactly(false, true, true, true, false);
        assertThat(fates).extracting(StalePeers.PeerFate::removable).containsExactly(false, false, true, true, false);
    }

    @Test
    void theSnapshotsInstancesAreTheEvidence() {
        ClusterSnapshot s = snap(threeVoters()).dead(DEAD).ec2(DEAD, "terminated").build();
        assertThat(StalePeers.classify(s)).extracting(StalePeers.PeerFate::fate).containsExactly(StalePeers.Fate.RUNNING,
                StalePeers.Fate.RUNNING, StalePeers.Fate.TERMINATED);
        ClusterSnapshot unknown = snap(threeVoters()).dead(DEAD).withoutInstance(DEAD).build();
        assertThat(StalePeers.classify(unknown).get(2).fate()).isEqualTo(StalePeers.Fate.UNKNOWN);
    }

    private static ClusterSnapshot deadThird() {
        return snap(threeVoters()).dead(DEAD).ec2(DEAD, "terminated").build();
    }

    private static ClusterSnapshot unknownThird() {
        return snap(threeVoters()).dead(DEAD).withoutInstance(DEAD).build();
    }

    @Test
    void aPeerWhoseInstanceEc2DoesNotKnowIsMarkedAndKeptWithinTheGracePeriod() {
        StalePeers.Plan plan = plan(unknownThird(), Map.of(), GRACE, true);
        assertThat(plan.remove()).isEmpty();
        assertThat(plan.markFirstSeen()).containsExactly(DEAD);
        assertThat(plan.kept()).singleElement().extracting(StalePeers.Kept::reason).isEqualTo(Reason.WITHIN_GRACE);
    }

    @Test
    void aPeerWhoseInstanceIsShuttingDownOrTerminatedGoesAtOnceWithoutAGracePeriod() {
        for (String state : List.of("shutting-down", "terminated")) {
            ClusterSnapshot s = snap(threeVoters()).dead(DEAD).ec2(DEAD, state).build();
            StalePeers.Plan plan = plan(s, Map.of(), GRACE, true);
            assertThat(plan.remove()).as(state).singleElement().satisfies(r -> assertThat(r.peer().nodeId()).isEqualTo(DEAD));
            assertThat(plan.markFirstSeen()).as(state).containsExactly(DEAD); // kept until the removal is confirmed
        }
    }

    @Test
    void aStalePeerThatStillLeadsIsLeftToTheDeparturePath() {
        // EC2 says the leader's instance is shutting down while it still leads: no removal without a step-down here.
        ClusterSnapshot s = snap(threeVoters()).ec2(id(1), "shutting-down").build();
        StalePeers.Plan plan = plan(s, Map.of(), GRACE, true);
        assertThat(plan.remove()).isEmpty();
        assertThat(plan.kept()).extracting(StalePeers.Kept::reason).containsExactly(Reason.PEER_LEADS);
    }

    @Test
    void afterTheGracePeriodItIsRemovedAndItsMarkKeptUntilTheRemovalIsConfirmed() {
        StalePeers.Plan plan = plan(unknownThird(), Map.of(DEAD, NOW.minus(Duration.ofMinutes(6))), GRACE, true);
        assertThat(plan.remove()).singleElement().satisfies(r -> assertThat(r.peer().nodeId()).isEqualTo(DEAD));
        // Cleared by the reconciler only once the peer is gone: a deferred removal keeps its grace clock.
        assertThat(plan.clearMarks()).doesNotContain(DEAD);
    }

    @Test
    void reportOnlyModeKeepsIt() {
        StalePeers.Plan plan = plan(deadThird(), Map.of(DEAD, NOW.minus(Duration.ofHours(1))), GRACE, false);
        assertThat(plan.remove()).isEmpty();
        assertThat(plan.kept()).extracting(StalePeers.Kept::reason).containsExactly(Reason.REPORT_ONLY);
    }

    @Test
    void aRunningButUnhealthyPeerIsNeverAReconcilerCandidate() {
        StalePeers.Plan plan = plan(snap(threeVoters()).dead(DEAD).build(), Map.of(), Duration.ZERO, true);
        assertThat(plan.remove()).isEmpty();
        assertThat(plan.kept()).isEmpty();
    }

    @Test
    void aPeerWhoseOwnAddressStillAnswersIsNeverRemovedWhateverEc2Says() {
        ClusterSnapshot s = snap(threeVoters()).withoutInstance(DEAD).build();
        ClusterSnapshot answering = new ClusterSnapshot(s.expectedGroups(), s.groups(), s.instances(), NOW, s.health(),
                Map.of(DEAD, new NodeHealth(DEAD, "10.0.1.3", NodeHealth.State.STANDBY, java.util.Optional.empty(), "HTTP 429")),
                NOW, s.view(), s.via(), s.viewReadAt(), s.readFailures(), 1, false);
        StalePeers.Plan plan = plan(answering, Map.of(DEAD, NOW.minus(Duration.ofHours(1))), GRACE, true);
        assertThat(plan.remove()).isEmpty();
        assertThat(plan.kept()).extracting(StalePeers.Kept::reason).containsExactly(Reason.PEER_ANSWERS);
        // A server there whose certificate a new client refuses (a botched renewal) is alive too: never removed.
        for (NodeHealth unusable : java.util.List.of(
                CertificateCheck.refused(DEAD, "10.0.1.3", "PKIX path building failed").applyTo(
                        new NodeHealth(DEAD, "10.0.1.3", NodeHealth.State.STANDBY, java.util.Optional.empty(), "HTTP 429")),
                CertificateCheck.noAnswer(DEAD, "10.0.1.3", "timed out").applyTo(
                        new NodeHealth(DEAD, "10.0.1.3", NodeHealth.State.STANDBY, java.util.Optional.empty(), "HTTP 429")))) {
            assertThat(unusable.state()).isEqualTo(NodeHealth.State.TLS_FAILURE);
            ClusterSnapshot refusing = new ClusterSnapshot(s.expectedGroups(), s.groups(), s.instances(), NOW, s.health(),
                    Map.of(DEAD, unusable), NOW, s.view(), s.via(), s.viewReadAt(), s.readFailures(), 1, false);
            StalePeers.Plan kept = plan(refusing, Map.of(DEAD, NOW.minus(Duration.ofHours(1))), GRACE, true);
            assertThat(kept.remove()).as(unusable.detail()).isEmpty();
            assertThat(kept.kept()).extracting(StalePeers.Kept::reason).containsExactly(Reason.PEER_ANSWERS);
        }
    }

    @Test
    void staleVotersAreRemovedOneAfterTheOtherEachCheckedAgainstWhatThePreviousLeaves() {
        ClusterSnapshot s = snap(voters(4)).dead(DEAD, id(4)).ec2(DEAD, "terminated").ec2(id(4), "terminated").build();
        Map<String, Instant> longAgo = Map.of(DEAD, NOW.minusSeconds(3600), id(4), NOW.minusSeconds(3600));
        StalePeers.Plan plan = plan(s, longAgo, GRACE, true);
        assertThat(plan.remove()).extracting(r -> r.peer().nodeId()).containsExactly(DEAD, id(4));
    }

    @Test
    void aClusterThatHasLostQuorumGetsNoRemovals() {
        // Two of three voters are gone: nothing can be committed, so nothing is attempted.
        ClusterSnapshot s = snap(threeVoters()).dead(id(2), DEAD).ec2(id(2), "terminated").ec2(DEAD, "terminated").build();
        StalePeers.Plan plan = plan(s, Map.of(id(2), NOW.minusSeconds(3600), DEAD, NOW.minusSeconds(3600)), GRACE, true);
        assertThat(plan.remove()).isEmpty();
        assertThat(plan.kept()).extracting(StalePeers.Kept::reason).containsOnly(Reason.QUORUM_WOULD_BREAK);
    }

    @Test
    void marksOfPeersNoLongerStaleAreCleared() {
        StalePeers.Plan plan = plan(deadThird(), Map.of("i-0000000000000000e", NOW.minusSeconds(60)), GRACE, true);
        assertThat(plan.clearMarks()).contains("i-0000000000000000e");
    }
}
