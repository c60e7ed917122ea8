package dev.raftlifecycle.decisions;

/** Why an authenticated Vault call failed, in the terms the decisions use. */
public enum ReadFailure {
    /** Connection refused, reset or timed out. */
    UNREACHABLE,
    /** TLS handshake or certificate verification failed. */
    TLS,
    /** Login or request refused (HTTP 403, or 400 on login). */
    DENIED,
    /** The node answered that there is no active node (election in progress, sealed, lost leadership). */
    NO_LEADER,
    /** Any other answer the port could not use. */
    BAD_RESPONSE
}
