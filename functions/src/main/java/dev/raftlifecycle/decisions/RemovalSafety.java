package dev.raftlifecycle.decisions;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Whether removing a peer keeps the cluster able to reach quorum. With V the voters in the configuration
 * and H the voters autopilot reports healthy, removing p is safe only when the cluster has a leader and
 * |H − {p}| ≥ ⌊|V − {p}| / 2⌋ + 1. Removing a non-voter never changes the quorum, so it is always safe
 * (given a leader to carry it out).
 */
public final class RemovalSafety {
    private RemovalSafety() {
    }

    /** The verdict and the numbers behind it (for the log line). */
    public record Assessment(boolean safe, String reason, int votersAfter, int healthyVotersAfter, int quorumAfter) {
    }

    public static Assessment assess(String peerId, List<RaftPeer> peers, AutopilotState autopilot, boolean leaderPresent) {
        Set<String> voters = peers.stream().filter(RaftPeer::voter).map(RaftPeer::nodeId).collect(Collectors.toSet());
        Set<String> healthyVoters = voters.stream()
                .filter(id -> autopilot.server(id).map(AutopilotServer::healthy).orElse(false))
                .collect(Collectors.toSet());
        int votersAfter = voters.size() - (voters.contains(peerId) ? 1 : 0);
        int healthyAfter = healthyVoters.size() - (healthyVoters.contains(peerId) ? 1 : 0);
        int quorumAfter = votersAfter / 2 + 1;
        if (!leaderPresent) {
            return new Assessment(false, "no-leader", votersAfter, healthyAfter, quorumAfter);
        }
        if (!voters.contains(peerId)) {
            return new Assessment(true, "non-voter", votersAfter, healthyAfter, quorumAfter);
        }
        if (healthyAfter >= quorumAfter) {
            return new Assessment(true, "quorum-kept", votersAfter, healthyAfter, quorumAfter);
        }
        return new Assessment(false, "quorum-would-break", votersAfter, healthyAfter, quorumAfter);
    }
}
