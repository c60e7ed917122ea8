package dev.raftlifecycle.decisions;

import java.util.List;
import java.util.Optional;

/** What the cluster itself reported through an authenticated session: Raft configuration and autopilot. */
public record ClusterView(List<RaftPeer> peers, AutopilotState autopilot, AutopilotSettings settings) {
    public ClusterView {
        peers = List.copyOf(peers);
    }

    public Optional<RaftPeer> leader() {
        return peers.stream().filter(RaftPeer::leader).findFirst();
    }

    public boolean leaderPresent() {
        return leader().isPresent();
    }

    public Optional<RaftPeer> peer(String nodeId) {
        return peers.stream().filter(p -> p.nodeId().equals(nodeId)).findFirst();
    }
}
