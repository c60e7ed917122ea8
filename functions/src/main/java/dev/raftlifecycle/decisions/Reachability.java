package dev.raftlifecycle.decisions;

/** How far a handler got in observing the cluster, before any judgement about members. */
public enum Reachability {
    /** A session was opened and the Raft configuration and autopilot state were read. */
    OBSERVED,
    /** Nodes answered, and none of them is initialized: the operator has not run `vault operator init` yet. */
    UNINITIALIZED,
    /** No node answered within the bounded retries. */
    UNREACHABLE,
    /** Nodes answered but TLS verification failed (wrong CA or server name): never proceed blindly. */
    TLS_FAILURE,
    /** Nodes answered but the AWS IAM login was refused (auth method or role not configured). */
    AUTH_FAILED,
    /** Logged in, but the cluster has no leader to read the configuration from. */
    NO_LEADER
}
