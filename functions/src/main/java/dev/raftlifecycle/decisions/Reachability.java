package dev.raftlifecycle.decisions;

import java.util.Collection;

/** How far an observation got in reading the cluster, before any judgement about members. */
public enum Reachability {
    /** A session was opened and the Raft configuration (with a leader) and autopilot state were read. */
    OBSERVED,
    /** Nodes answered, and none of them is initialized: the operator has not run `vault operator init` yet. */
    UNINITIALIZED,
    /** No node answered (or no read succeeded) within the bounded retries. */
    UNREACHABLE,
    /** Nodes answered but TLS verification failed (wrong CA or server name): never proceed blindly. */
    TLS_FAILURE,
    /** Nodes answered but the AWS IAM login or a read was refused (auth method, role or policy not configured). */
    AUTH_FAILED,
    /** Logged in, but the cluster has no leader to read the configuration from. */
    NO_LEADER;

    /** The verdict for a snapshot: the failure → reachability mapping, in one place. */
    public static Reachability of(ClusterSnapshot s) {
        if (ClusterInitialization.judge(s, java.util.Optional.empty()) == ClusterInitialization.UNINITIALIZED) {
            return UNINITIALIZED;
        }
        if (s.view().isPresent() && s.view().get().leaderPresent()) {
            return OBSERVED;
        }
        Collection<ReadFailure> failures = s.readFailures();
        if (failures.contains(ReadFailure.DENIED) || failures.contains(ReadFailure.ACCESS_NOT_SET_UP)) {
            return AUTH_FAILED;
        }
        if (s.view().isPresent() || failures.contains(ReadFailure.NO_LEADER)) {
            return NO_LEADER;
        }
        boolean anyUnsealed = s.health().values().stream().anyMatch(NodeHealth::unsealed);
        boolean tls = failures.contains(ReadFailure.TLS)
                || !anyUnsealed && s.health().values().stream().anyMatch(h -> h.state() == NodeHealth.State.TLS_FAILURE);
        return tls ? TLS_FAILURE : UNREACHABLE;
    }
}
