package dev.raftlifecycle.decisions;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Whether removing a peer keeps the cluster able to reach quorum. With V the voters in the configuration and H the
 * voters that really are healthy ({@link HealthyVoters}), removing p is safe only when the cluster has a leader and
 * |H − {p}| ≥ ⌊|V − {p}| / 2⌋ + 1. Removing a healthy voter is also refused while it would leave fewer healthy
 * voters than the floor (MIN_QUORUM), until a replacement has joined. Removing a non-voter never changes the
 * quorum, and removing a dead voter is never blocked by the floor.
 */
public final class RemovalSafety {
    private RemovalSafety() {
    }

    public enum Verdict {
        SAFE_NON_VOTER, SAFE_QUORUM_KEPT, NO_LEADER, QUORUM_WOULD_BREAK, BELOW_FLOOR;

        public boolean safe() {
            return this == SAFE_NON_VOTER || this == SAFE_QUORUM_KEPT;
        }
    }

    /** The verdict and the numbers behind it (for the log line). */
    public record Assessment(Verdict verdict, int votersAfter, int healthyVotersAfter, int quorumAfter, int floor,
                             boolean peerHealthy) {
        public boolean safe() {
            return verdict.safe();
        }

        public String summary() {
            return "voters after " + votersAfter + ", healthy after " + healthyVotersAfter + ", quorum " + quorumAfter
                    + ", floor " + floor;
        }
    }

    /**
     * @param healthyVoters the voters that really are healthy
     * @param floor         the voter floor (MIN_QUORUM)
     */
    public static Assessment assess(String peerId, List<RaftPeer> peers, Set<String> healthyVoters,
                                    boolean leaderPresent, int floor) {
        Set<String> voters = peers.stream().filter(RaftPeer::voter).map(RaftPeer::nodeId).collect(Collectors.toSet());
        Set<String> healthy = healthyVoters.stream().filter(voters::contains).collect(Collectors.toSet());
        boolean isVoter = voters.contains(peerId);
        boolean peerHealthy = healthy.contains(peerId);
        int votersAfter = voters.size() - (isVoter ? 1 : 0);
        int healthyAfter = healthy.size() - (peerHealthy ? 1 : 0);
        int quorumAfter = votersAfter / 2 + 1;
        Verdict verdict;
        if (!leaderPresent) {
            verdict = Verdict.NO_LEADER;
        } else if (!isVoter) {
            verdict = Verdict.SAFE_NON_VOTER;
        } else if (healthyAfter < quorumAfter) {
            verdict = Verdict.QUORUM_WOULD_BREAK;
        } else if (peerHealthy && healthyAfter < floor) {
            verdict = Verdict.BELOW_FLOOR;
        } else {
            verdict = Verdict.SAFE_QUORUM_KEPT;
        }
        return new Assessment(verdict, votersAfter, healthyAfter, quorumAfter, floor, peerHealthy);
    }

    /** As {@link #assess(String, ClusterSnapshot, SafetyRules)} with no floor: for an instance that goes anyway. */
    public static Assessment assessWithoutFloor(String peerId, ClusterSnapshot s, SafetyRules rules) {
        ClusterView view = s.view().orElseThrow(() -> new IllegalArgumentException("no view to assess"));
        return assess(peerId, view.peers(), HealthyVoters.of(s, rules), view.leaderPresent(), 0);
    }

    /** The assessment for a snapshot, with the really-healthy voters and the floor it implies. */
    public static Assessment assess(String peerId, ClusterSnapshot s, SafetyRules rules) {
        ClusterView view = s.view().orElseThrow(() -> new IllegalArgumentException("no view to assess"));
        return assess(peerId, view.peers(), HealthyVoters.of(s, rules), view.leaderPresent(), rules.floor(s));
    }
}
