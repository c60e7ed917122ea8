package dev.raftlifecycle.decisions;

import static dev.raftlifecycle.decisions.Fixtures.id;
import static dev.raftlifecycle.decisions.Fixtures.snap;
import static dev.raftlifecycle.decisions.Fixtures.threeVoters;
import static dev.raftlifecycle.decisions.Fixtures.voters;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class TerminationDecisionTest {
    private static final SafetyRules RULES = SafetyRules.DEFAULTS;

    private static TerminationDecision decide(ClusterSnapshot s, String instance) {
        return TerminationDecision.decide(s, instance, RULES);
    }

    @Test
    void aFollowerIsRemovedWithoutStepDown() {
        TerminationDecision d = decide(snap(threeVoters()).build(), id(2));
        assertThat(d).isInstanceOfSatisfying(TerminationDecision.Remove.class, r -> {
            assertThat(r.stepDownFirst()).isFalse();
            assertThat(r.reason()).isEqualTo(Reason.VOTER_REMOVED);
        });
    }

    @Test
    void theLeaderIsSteppedDownFirst() {
        TerminationDecision d = decide(snap(threeVoters()).build(), id(1));
        assertThat(d).isInstanceOfSatisfying(TerminationDecision.Remove.class, r -> {
            assertThat(r.stepDownFirst()).isTrue();
            assertThat(r.reason()).isEqualTo(Reason.LEADER_REMOVED);
        });
    }

    @Test
    void quorumBreakingRemovalIsRefused() {
        TerminationDecision d = decide(snap(threeVoters()).dead(id(3)).build(), id(2));
        assertThat(d).isInstanceOf(TerminationDecision.Refuse.class);
        assertThat(d.reason()).isEqualTo(Reason.QUORUM_WOULD_BREAK);
        assertThat(d.assessment()).get().extracting(RemovalSafety.Assessment::healthyVotersAfter).isEqualTo(1);
    }

    /** The outage: two followers crashed a second ago, autopilot still calls them healthy. */
    @Test
    void votersThatDoNotAnswerAreDeadWhateverAutopilotSays() {
        ClusterSnapshot s = snap(voters(5)).crashedJustNow(id(2), id(3)).build();
        assertThat(s.view().get().autopilot().server(id(2)).get().healthy()).isTrue();
        TerminationDecision d = decide(s, id(4));
        assertThat(d.reason()).isEqualTo(Reason.QUORUM_WOULD_BREAK);
        assertThat(d.assessment().get().healthyVotersAfter()).isEqualTo(2);
        assertThat(d.assessment().get().quorumAfter()).isEqualTo(3);
    }

    @Test
    void aVoterThatAnswersSealedIsNotHealthy() {
        TerminationDecision d = decide(snap(threeVoters()).answers(id(3), NodeHealth.State.SEALED).build(), id(2));
        assertThat(d.reason()).isEqualTo(Reason.QUORUM_WOULD_BREAK);
    }

    @Test
    void aVoterOutOfContactBeyondTheBoundIsNotHealthyEvenIfAutopilotStillSaysSo() {
        ClusterSnapshot stale = snap(threeVoters()).lastContact(id(3), Duration.ofMillis(8500)).build();
        assertThat(decide(stale, id(2)).reason()).isEqualTo(Reason.QUORUM_WOULD_BREAK);
        ClusterSnapshot fresh = snap(threeVoters()).lastContact(id(3), Duration.ofMillis(7000)).build();
        assertThat(decide(fresh, id(2))).isInstanceOf(TerminationDecision.Remove.class);
        // Never looser than autopilot's own threshold.
        ClusterSnapshot tight = snap(threeVoters()).threshold(Duration.ofSeconds(5)).lastContact(id(3), Duration.ofMillis(6000)).build();
        assertThat(decide(tight, id(2)).reason()).isEqualTo(Reason.QUORUM_WOULD_BREAK);
    }

    @Test
    void notAMemberIsReleasedWithoutRemoval() {
        TerminationDecision d = decide(snap(threeVoters()).build(), "i-0000000000000000f");
        assertThat(d).isInstanceOf(TerminationDecision.Release.class);
        assertThat(d.reason()).isEqualTo(Reason.NOT_A_MEMBER);
        assertThat(d.subjectPeer()).isEmpty();
    }

    @Test
    void decommissioningTheWholeClusterRemovesEvenWhenQuorumWouldBreak() {
        TerminationDecision d = decide(snap(threeVoters()).dead(id(3)).desired(0, 0, 0).build(), id(2));
        assertThat(d).isInstanceOf(TerminationDecision.Remove.class);
        assertThat(d.label()).isEqualTo("decommissioning");
    }

    @Test
    void emptyingOneGroupWhileAVoterElsewhereIsDeadIsRefused() {
        // g-b (id 2's group) goes to 0, the others keep capacity, id 3 is dead.
        TerminationDecision d = decide(snap(threeVoters()).dead(id(3)).desired(1, 0, 1).build(), id(2));
        assertThat(d).isInstanceOf(TerminationDecision.Refuse.class);
        assertThat(d.reason()).isEqualTo(Reason.QUORUM_WOULD_BREAK);
    }

    @Test
    void aDecommissionIsDeclaredByTheDeploymentNeverByATag() {
        // The tag earlier versions honoured, on every group: anyone allowed to tag a group could switch the guard off.
        Fixtures.Snap allTagged = snap(threeVoters()).dead(id(3)).tag("g-a", "raft-lifecycle:decommission", "true")
                .tag("g-b", "raft-lifecycle:decommission", "true").tag("g-c", "raft-lifecycle:decommission", "true");
        assertThat(decide(allTagged.build(), id(2))).isInstanceOf(TerminationDecision.Refuse.class);
        SafetyRules declared = new SafetyRules(RULES.maxVoterLastContact(), RULES.minQuorum(), true);
        assertThat(TerminationDecision.decide(snap(threeVoters()).dead(id(3)).build(), id(2), declared).label())
                .isEqualTo("decommissioning");
    }

    @Test
    void aGroupMissingFromTheDescribeIsNeverTakenForEmpty() {
        ClusterSnapshot s = snap(threeVoters()).dead(id(3)).desired(0, 0, 0).build();
        ClusterSnapshot missing = new ClusterSnapshot(s.expectedGroups(), s.groups().subList(0, 2), s.instances(),
                s.groupsReadAt(), s.health(), s.peerHealth(), s.healthReadAt(), s.view(), s.via(), s.viewReadAt(),
                s.readFailures(), s.attempts(), s.initializedRecorded());
        assertThat(decide(missing, id(2))).isInstanceOf(TerminationDecision.Refuse.class);
    }

    @Test
    void twoHealthyTerminationsInAThreeServerClusterTheSecondWaitsForTheFloor() {
        // After the first removal: two voters, three expected servers (floor 2).
        List<RaftPeer> two = List.of(Fixtures.voter(id(1), 1, true), Fixtures.voter(id(3), 3, false));
        ClusterSnapshot s = snap(two).desired(1, 1, 1).build();
        TerminationDecision d = decide(s, id(3));
        assertThat(d).isInstanceOf(TerminationDecision.AwaitReplacement.class);
        assertThat(d.assessment().get().floor()).isEqualTo(2);
        // An explicit MIN_QUORUM of 1 lets it through (the operator's call).
        TerminationDecision lower = TerminationDecision.decide(s, id(3), new SafetyRules(RULES.maxVoterLastContact(), OptionalInt.of(1)));
        assertThat(lower).isInstanceOf(TerminationDecision.Remove.class);
    }

    @Test
    void anInstanceThatGoesAnywayIsNotHeldByTheFloorButStillByQuorum() {
        // Two voters of three expected servers, the second one warned of a Spot interruption: it dies whatever is
        // decided, so keeping its peer would only leave a dead voter; the floor does not apply.
        List<RaftPeer> two = List.of(Fixtures.voter(id(1), 1, true), Fixtures.voter(id(3), 3, false));
        ClusterSnapshot s = snap(two).desired(1, 1, 1).build();
        assertThat(TerminationDecision.decide(s, id(3), RULES, true)).isInstanceOfSatisfying(TerminationDecision.Remove.class,
                r -> assertThat(r.stepDownFirst()).isFalse());
        // Quorum still holds it: of three voters one is dead, removing a healthy one leaves one healthy of two.
        TerminationDecision quorum = TerminationDecision.decide(snap(threeVoters()).dead(id(3)).build(), id(2), RULES, true);
        assertThat(quorum.reason()).isEqualTo(Reason.QUORUM_WOULD_BREAK);
        // And a leader is stepped down first, as for a termination.
        TerminationDecision leader = TerminationDecision.decide(snap(threeVoters()).build(), id(1), RULES, true);
        assertThat(leader).isInstanceOfSatisfying(TerminationDecision.Remove.class, r -> assertThat(r.stepDownFirst()).isTrue());
    }

    @Test
    void removingADeadVoterIsNeverBlockedByTheFloor() {
        List<RaftPeer> two = List.of(Fixtures.voter(id(1), 1, true), Fixtures.voter(id(3), 3, false));
        List<RaftPeer> three = List.of(two.get(0), two.get(1), Fixtures.voter(id(4), 4, false));
        TerminationDecision d = decide(snap(three).dead(id(4)).desired(1, 1, 1).build(), id(4));
        assertThat(d).isInstanceOf(TerminationDecision.Remove.class);
    }

    @Test
    void ambiguousMatchIsRefusedUnlessDecommissioning() {
        List<RaftPeer> peers = List.of(Fixtures.voter(id(1), 1, true), Fixtures.voter(id(2), 2, false),
                new RaftPeer("legacy-a", "10.0.1.9:8201", false, true), new RaftPeer("legacy-b", "10.0.1.9:8201", false, true));
        Fixtures.Snap s = snap(peers).withoutInstance("legacy-a").withoutInstance("legacy-b")
                .instance("i-0aaaaaaaaaaaaaaa1", "g-c", "Terminating:Wait", "10.0.1.9", NodeHealth.State.STANDBY);
        assertThat(decide(s.build(), "i-0aaaaaaaaaaaaaaa1").reason()).isEqualTo(Reason.AMBIGUOUS_MATCH);
        assertThat(decide(s.build(), "i-0aaaaaaaaaaaaaaa1")).isInstanceOf(TerminationDecision.Refuse.class);
        assertThat(decide(s.desired(0, 0, 0).build(), "i-0aaaaaaaaaaaaaaa1").label()).isEqualTo("decommissioning-ambiguous-match");
    }

    @Test
    void whenTheClusterCannotBeObserved() {
        assertThat(decide(snap(threeVoters()).noView(ReadFailure.UNREACHABLE).build(), id(2)).label()).isEqualTo("cluster-unreachable");
        assertThat(decide(snap(threeVoters()).noView(ReadFailure.TLS).build(), id(2)).label()).isEqualTo("tls-failure");
        assertThat(decide(snap(threeVoters()).noView(ReadFailure.DENIED).build(), id(2)).label()).isEqualTo("auth-failed");
        assertThat(decide(snap(threeVoters()).noView(ReadFailure.NO_LEADER).build(), id(2)).label()).isEqualTo("no-leader");
        TerminationDecision decommissioning = decide(snap(threeVoters()).noView(ReadFailure.UNREACHABLE).desired(0, 0, 0).build(), id(2));
        assertThat(decommissioning).isInstanceOf(TerminationDecision.Release.class);
        assertThat(decommissioning.label()).isEqualTo("decommissioning-cluster-unreachable");
    }

    @Test
    void aFirstDeployIsReleasedOnlyWhenEveryRunningInstanceAnswersUninitialized() {
        Fixtures.Snap all501 = snap(threeVoters()).answers(id(1), NodeHealth.State.UNINITIALIZED)
                .answers(id(2), NodeHealth.State.UNINITIALIZED).answers(id(3), NodeHealth.State.UNINITIALIZED).noView();
        assertThat(decide(all501.build(), id(2)).reason()).isEqualTo(Reason.CLUSTER_UNINITIALIZED);
        // One does not answer: it may be an initialized member.
        Fixtures.Snap oneSilent = snap(threeVoters()).answers(id(1), NodeHealth.State.UNINITIALIZED)
                .answers(id(2), NodeHealth.State.UNINITIALIZED).crashedJustNow(id(3)).noView(ReadFailure.UNREACHABLE);
        assertThat(decide(oneSilent.build(), id(2))).isInstanceOf(TerminationDecision.Refuse.class);
        // Once recorded initialized, never a first deploy again.
        assertThat(decide(all501.recordedInitialized().build(), id(2))).isInstanceOf(TerminationDecision.Refuse.class);
    }

    @Test
    void aSingleVoterLeaderBeingDecommissionedIsNotSteppedDownBecauseThereIsNoOneToTakeOver() {
        List<RaftPeer> peers = List.of(Fixtures.voter(id(1), 1, true));
        TerminationDecision d = decide(snap(peers).desired(0, 0, 0).build(), id(1));
        assertThat(d).isInstanceOfSatisfying(TerminationDecision.Remove.class, r -> assertThat(r.stepDownFirst()).isFalse());
    }

    @Test
    void aPeerFoundByAddressIsRemoved() {
        List<RaftPeer> peers = List.of(Fixtures.voter(id(1), 1, true), Fixtures.voter(id(2), 2, false),
                new RaftPeer("vault-legacy-3", "10.0.1.3:8201", false, true), Fixtures.voter(id(4), 4, false));
        Fixtures.Snap s = snap(peers).withoutInstance("vault-legacy-3")
                .instance(id(3), "g-c", "Terminating:Wait", "10.0.1.3", NodeHealth.State.STANDBY);
        TerminationDecision d = decide(s.build(), id(3));
        assertThat(d).isInstanceOf(TerminationDecision.Remove.class);
        assertThat(d.subjectPeer()).get().extracting(RaftPeer::nodeId).isEqualTo("vault-legacy-3");
    }
}
