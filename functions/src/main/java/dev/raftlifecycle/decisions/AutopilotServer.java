package dev.raftlifecycle.decisions;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One server in autopilot's view (sys/storage/raft/autopilot/state → servers.{id}).
 *
 * @param status     "leader", "voter" or "non-voter"
 * @param nodeStatus "alive", "left", "failed"...
 */
public record AutopilotServer(String id, String address, String nodeStatus, Duration lastContact, long lastTerm,
                              long lastIndex, boolean healthy, Optional<Instant> stableSince, String status,
                              String version) {
    public boolean isVoterOrLeader() {
        return "voter".equals(status) || "leader".equals(status);
    }
}
