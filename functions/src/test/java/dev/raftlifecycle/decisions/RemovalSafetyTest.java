package dev.raftlifecycle.decisions;

import static dev.raftlifecycle.decisions.Fixtures.id;
import static dev.raftlifecycle.decisions.Fixtures.nonVoter;
import static dev.raftlifecycle.decisions.Fixtures.threeVoters;
import static dev.raftlifecycle.decisions.Fixtures.voter;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class RemovalSafetyTest {
    private static Set<String> all(List<RaftPeer> peers) {
        return peers.stream().map(RaftPeer::nodeId).collect(Collectors.toSet());
    }

    private static Set<String> except(List<RaftPeer> peers, String... dead) {
        Set<String> out = all(peers);
        List.of(dead).forEach(out::remove);
        return out;
    }

    @Test
    void threeHealthyVotersTerminatingOneIsSafe() {
        List<RaftPeer> peers = threeVoters();
        RemovalSafety.Assessment a = RemovalSafety.assess(id(2), peers, all(peers), true, 2);
        assertThat(a.verdict()).isEqualTo(RemovalSafety.Verdict.SAFE_QUORUM_KEPT);
        assertThat(a.votersAfter()).isEqualTo(2);
        assertThat(a.healthyVotersAfter()).isEqualTo(2);
        assertThat(a.quorumAfter()).isEqualTo(2);
    }

    @Test
    void withOneVoterDeadTerminatingAHealthyOneIsRefusedButTheDeadOneIsSafe() {
        List<RaftPeer> peers = threeVoters();
        Set<String> healthy = except(peers, id(3));
        assertThat(RemovalSafety.assess(id(2), peers, healthy, true, 2).verdict())
                .isEqualTo(RemovalSafety.Verdict.QUORUM_WOULD_BREAK);
        assertThat(RemovalSafety.assess(id(3), peers, healthy, true, 2).safe()).isTrue();
    }

    @Test
    void withoutALeaderNothingIsSafe() {
        List<RaftPeer> peers = threeVoters();
        assertThat(RemovalSafety.assess(id(3), peers, all(peers), false, 2).verdict()).isEqualTo(RemovalSafety.Verdict.NO_LEADER);
    }

    @Test
    void nonVotersAreAlwaysSafeToRemove() {
        List<RaftPeer> peers = List.of(voter(id(1), 1, true), voter(id(2), 2, false), nonVoter(id(9), 9));
        // Even with a voter down (no failure tolerance left), a non-voter can go.
        RemovalSafety.Assessment a = RemovalSafety.assess(id(9), peers, Set.of(id(1), id(9)), true, 2);
        assertThat(a.verdict()).isEqualTo(RemovalSafety.Verdict.SAFE_NON_VOTER);
    }

    @Test
    void aSingleVoterCannotBeRemoved() {
        List<RaftPeer> peers = List.of(voter(id(1), 1, true));
        assertThat(RemovalSafety.assess(id(1), peers, all(peers), true, 1).safe()).isFalse();
    }

    @Test
    void aHealthyVoterBelowTheFloorWaitsButADeadOneDoesNot() {
        // Three expected servers (floor 2), one removal already done: two voters left.
        List<RaftPeer> two = List.of(voter(id(1), 1, true), voter(id(2), 2, false));
        assertThat(RemovalSafety.assess(id(2), two, all(two), true, 2).verdict()).isEqualTo(RemovalSafety.Verdict.BELOW_FLOOR);
        // Quorum alone would allow it: one voter left is its own majority. The floor is what stops it.
        assertThat(RemovalSafety.assess(id(2), two, all(two), true, 1).verdict()).isEqualTo(RemovalSafety.Verdict.SAFE_QUORUM_KEPT);
        List<RaftPeer> three = threeVoters();
        assertThat(RemovalSafety.assess(id(3), three, except(three, id(3)), true, 3).safe()).isTrue();
    }

    /** A random cluster: n voters (some not healthy), m non-voters, a floor. */
    record Scenario(int voters, Set<Integer> unhealthy, int nonVoters, int target, int floor) {
    }

    @Provide
    Arbitrary<Scenario> scenarios() {
        return Combinators.combine(Arbitraries.integers().between(1, 9), Arbitraries.integers().between(0, 3),
                        Arbitraries.integers().between(0, 11), Arbitraries.integers().between(1, 6))
                .flatAs((voters, nonVoters, targetSeed, floor) -> Arbitraries.integers().between(0, voters - 1).set()
                        .map(bad -> new Scenario(voters, bad, nonVoters, targetSeed % (voters + nonVoters), floor)));
    }

    private static List<RaftPeer> peers(Scenario s) {
        List<RaftPeer> peers = new ArrayList<>();
        for (int i = 0; i < s.voters(); i++) {
            peers.add(voter(id(i), i + 1, i == 0));
        }
        for (int j = 0; j < s.nonVoters(); j++) {
            peers.add(nonVoter(id(100 + j), 100 + j));
        }
        return peers;
    }

    private static Set<String> healthy(Scenario s, List<RaftPeer> peers) {
        Set<String> out = new HashSet<>(all(peers));
        s.unhealthy().forEach(i -> out.remove(id(i)));
        return out;
    }

    /** Truth, not the formula: after a safe voter removal, a strict majority of the remaining voters can vote. */
    @Property
    void aSafeRemovalLeavesAStrictMajorityOfTheRemainingVotersHealthy(@ForAll("scenarios") Scenario s) {
        List<RaftPeer> peers = peers(s);
        RaftPeer target = peers.get(s.target());
        RemovalSafety.Assessment a = RemovalSafety.assess(target.nodeId(), peers, healthy(s, peers), true, s.floor());
        if (a.safe() && target.voter()) {
            long remainingVoters = peers.stream().filter(RaftPeer::voter).filter(p -> p != target).count();
            long remainingHealthy = peers.stream().filter(RaftPeer::voter).filter(p -> p != target)
                    .filter(p -> healthy(s, peers).contains(p.nodeId())).count();
            assertThat(2 * remainingHealthy).isGreaterThan(remainingVoters);
        }
    }

    @Property
    void removingAnUnhealthyVoterIsNeverLessSafeThanRemovingAHealthyOne(@ForAll("scenarios") Scenario s) {
        List<RaftPeer> peers = peers(s);
        Set<String> healthy = healthy(s, peers);
        boolean anyHealthySafe = peers.stream().filter(RaftPeer::voter).filter(p -> healthy.contains(p.nodeId()))
                .anyMatch(p -> RemovalSafety.assess(p.nodeId(), peers, healthy, true, s.floor()).safe());
        if (anyHealthySafe) {
            for (int dead : s.unhealthy()) {
                assertThat(RemovalSafety.assess(id(dead), peers, healthy, true, s.floor()).safe()).isTrue();
            }
        }
    }

    @Property
    void aSafeRemovalOfAHealthyVoterKeepsAtLeastTheFloor(@ForAll("scenarios") Scenario s) {
        List<RaftPeer> peers = peers(s);
        RaftPeer target = peers.get(s.target());
        Set<String> healthy = healthy(s, peers);
        RemovalSafety.Assessment a = RemovalSafety.assess(target.nodeId(), peers, healthy, true, s.floor());
        if (a.safe() && target.voter() && healthy.contains(target.nodeId())) {
            long left = peers.stream().filter(RaftPeer::voter).filter(p -> p != target)
                    .filter(p -> healthy.contains(p.nodeId())).count();
            assertThat(left).isGreaterThanOrEqualTo(s.floor());
        }
    }
}
