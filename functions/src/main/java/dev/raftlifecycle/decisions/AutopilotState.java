package dev.raftlifecycle.decisions;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Autopilot's cluster view (sys/storage/raft/autopilot/state). */
public record AutopilotState(boolean healthy, int failureTolerance, String leader, List<String> voters,
                             Map<String, AutopilotServer> servers) {
    public AutopilotState {
        voters = List.copyOf(voters);
        servers = Map.copyOf(servers);
    }

    public Optional<AutopilotServer> server(String id) {
        return Optional.ofNullable(servers.get(id));
    }

    public boolean hasLeader() {
        return leader != null && !leader.isEmpty();
    }
}
