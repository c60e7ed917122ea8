package dev.raftlifecycle.decisions;

import java.util.Optional;

/**
 * What a remove-peer call achieved, judged only from re-reading the configuration afterwards: Vault answers success
 * for an unknown id, and an error or a timeout may come after the change was appended (a leader that appends a
 * configuration change uses it at once). So the answer to the call is never the evidence on its own.
 */
public enum RemovalOutcome {
    /** A configuration read after the call no longer lists the peer. */
    REMOVED,
    /** The call was accepted, yet the peer was still listed when the confirmation window closed. */
    UNCONFIRMED,
    /** The call failed and a configuration read afterwards still lists the peer. */
    NOT_REMOVED,
    /** The call failed or timed out and no configuration could be read afterwards: nobody knows. */
    UNKNOWN;

    /**
     * @param callSucceeded whether remove-peer answered success
     * @param lastRead      the latest configuration read (with a leader) after the call, if any succeeded
     */
    public static RemovalOutcome judge(String nodeId, boolean callSucceeded, Optional<ClusterView> lastRead) {
        if (lastRead.isPresent() && lastRead.get().peer(nodeId).isEmpty()) {
            return REMOVED;
        }
        if (lastRead.isEmpty()) {
            return UNKNOWN;
        }
        return callSucceeded ? UNCONFIRMED : NOT_REMOVED;
    }

    public boolean removed() {
        return this == REMOVED;
    }

    /** The reason a termination reports when the removal did not take effect. */
    public Reason failureReason() {
        return switch (this) {
            case REMOVED -> throw new IllegalStateException("removed");
            case UNCONFIRMED -> Reason.REMOVAL_UNCONFIRMED;
            case NOT_REMOVED -> Reason.REMOVAL_FAILED;
            case UNKNOWN -> Reason.REMOVAL_UNKNOWN;
        };
    }
}
