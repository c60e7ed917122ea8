package dev.raftlifecycle.decisions;

import static dev.raftlifecycle.decisions.Fixtures.autopilot;
import static dev.raftlifecycle.decisions.Fixtures.nonVoter;
import static dev.raftlifecycle.decisions.Fixtures.threeVoters;
import static dev.raftlifecycle.decisions.Fixtures.voter;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
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
    @Test
    void threeHealthyVotersTerminatingOneIsSafe() {
        List<RaftPeer> peers = threeVoters();
        RemovalSafety.Assessment a = RemovalSafety.assess("i-00000000000000002", peers, autopilot(peers), true);
        assertThat(a.safe()).isTrue();
        assertThat(a.votersAfter()).isEqualTo(2);
        assertThat(a.healthyVotersAfter()).isEqualTo(2);
        assertThat(a.quorumAfter()).isEqualTo(2);
    }

    @Test
    void withOneVoterDeadTerminatingAHealthyOneIsRefusedButTheDeadOneIsSafe() {
        List<RaftPeer> peers = threeVoters();
        AutopilotState state = autopilot(peers, "i-00000000000000003");
        RemovalSafety.Assessment healthy = RemovalSafety.assess("i-00000000000000002", peers, state, true);
        assertThat(healthy.safe()).isFalse();
        assertThat(healthy.reason()).isEqualTo("quorum-would-break");
        RemovalSafety.Assessment dead = RemovalSafety.assess("i-00000000000000003", peers, state, true);
        assertThat(dead.safe()).isTrue();
    }

    @Test
    void withoutALeaderNothingIsSafe() {
        List<RaftPeer> peers = threeVoters();
        assertThat(RemovalSafety.assess("i-00000000000000003", peers, autopilot(peers), false).reason()).isEqualTo("no-leader");
    }

    @Test
    void nonVotersAreAlwaysSafeToRemove() {
        List<RaftPeer> peers = List.of(voter("i-00000000000000001", 1, true), voter("i-00000000000000002", 2, false),
                nonVoter("i-00000000000000009", 9));
        // Even with a voter down (no failure tolerance left), a non-voter can go.
        RemovalSafety.Assessment a = RemovalSafety.assess("i-00000000000000009", peers,
                autopilot(peers, "i-00000000000000002"), true);
        assertThat(a.safe()).isTrue();
        assertThat(a.reason()).isEqualTo("non-voter");
    }

    @Test
    void aSingleVoterCannotBeRemoved() {
        List<RaftPeer> peers = List.of(voter("i-00000000000000001", 1, true));
        assertThat(RemovalSafety.assess("i-00000000000000001", peers, autopilot(peers), true).safe()).isFalse();
    }

    /** A random cluster: n voters (some unhealthy) and m non-voters. */
    record Scenario(int voters, Set<Integer> unhealthy, int nonVoters, int target) {
    }

    @Provide
    Arbitrary<Scenario> scenarios() {
        return Combinators.combine(Arbitraries.integers().between(1, 9), Arbitraries.integers().between(0, 3),
                        Arbitraries.integers().between(0, 11))
                .flatAs((voters, nonVoters, targetSeed) -> Arbitraries.integers().between(0, voters - 1).set()
                        .map(bad -> new Scenario(voters, bad, nonVoters, targetSeed % (voters + nonVoters))));
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

    private static String id(int i) {
        return String.format("i-%017d", i);
    }

    @Property
    void safeExactlyWhenTheRemainingHealthyVotersReachTheRemainingQuorum(@ForAll("scenarios") Scenario s) {
        List<RaftPeer> peers = peers(s);
        String[] unhealthy = s.unhealthy().stream().map(RemovalSafetyTest::id).toArray(String[]::new);
        RaftPeer target = peers.get(s.target());
        RemovalSafety.Assessment a = RemovalSafety.assess(target.nodeId(), peers, autopilot(peers, unhealthy), true);

        Set<String> voters = peers.stream().filter(RaftPeer::voter).map(RaftPeer::nodeId).collect(Collectors.toSet());
        Set<String> healthy = voters.stream().filter(v -> !Set.of(unhealthy).contains(v)).collect(Collectors.toSet());
        voters.remove(target.nodeId());
        healthy.remove(target.nodeId());
        boolean expected = !target.voter() || healthy.size() >= voters.size() / 2 + 1;
        assertThat(a.safe()).isEqualTo(expected);
    }

    @Property
    void removingAnUnhealthyVoterIsNeverLessSafeThanRemovingAHealthyOne(@ForAll("scenarios") Scenario s) {
        List<RaftPeer> peers = peers(s);
        String[] unhealthy = s.unhealthy().stream().map(RemovalSafetyTest::id).toArray(String[]::new);
        AutopilotState state = autopilot(peers, unhealthy);
        boolean anyHealthySafe = peers.stream().filter(RaftPeer::voter)
                .filter(p -> !Set.of(unhealthy).contains(p.nodeId()))
                .anyMatch(p -> RemovalSafety.assess(p.nodeId(), peers, state, true).safe());
        if (anyHealthySafe) {
            for (String dead : unhealthy) {
                assertThat(RemovalSafety.assess(dead, peers, state, true).safe()).isTrue();
            }
        }
    }

    @Property
    void aSafeRemovalLeavesAQuorumOfHealthyVoters(@ForAll("scenarios") Scenario s) {
        List<RaftPeer> peers = peers(s);
        String[] unhealthy = s.unhealthy().stream().map(RemovalSafetyTest::id).toArray(String[]::new);
        RaftPeer target = peers.get(s.target());
        RemovalSafety.Assessment a = RemovalSafety.assess(target.nodeId(), peers, autopilot(peers, unhealthy), true);
        if (a.safe() && target.voter()) {
            assertThat(a.healthyVotersAfter()).isGreaterThanOrEqualTo(a.quorumAfter());
            assertThat(a.quorumAfter()).isGreaterThan(a.votersAfter() / 2);
        }
    }
}
