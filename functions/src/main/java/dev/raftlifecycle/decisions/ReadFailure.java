package dev.raftlifecycle.decisions;

/** Why an authenticated Vault call failed, in the terms the decisions use. */
public enum ReadFailure {
    /** Connection refused, reset or timed out. */
    UNREACHABLE,
    /** TLS handshake or certificate verification failed. */
    TLS,
    /** Login or request refused (HTTP 403, or 400 on login). */
    DENIED,
    /**
     * The login was refused because the auth method it names does not exist (Consul: {@code auth method "…" not
     * found}): the cluster's access has not been set up yet, as in a first deploy before the operator's ACL setup.
     * Everything that needs a token treats it as {@link #DENIED}; only the launch gate tells it apart.
     */
    ACCESS_NOT_SET_UP,
    /** The node answered that there is no active node (election in progress, sealed, lost leadership). */
    NO_LEADER,
    /** Any other answer the port could not use. */
    BAD_RESPONSE
}
