package dev.raftlifecycle.rig;

import java.time.Instant;
import java.util.Optional;

/**
 * One server as the cluster's autopilot reports it, read the same way for every system (Vault's
 * {@code sys/storage/raft/autopilot/state}, Consul's {@code operator/autopilot/health}).
 *
 * @param healthy     autopilot calls it healthy
 * @param voter       a voter (or the leader)
 * @param stableSince since when it has been healthy without a break, if autopilot says
 */
public record AutopilotServer(boolean healthy, boolean voter, Optional<Instant> stableSince) {
}
