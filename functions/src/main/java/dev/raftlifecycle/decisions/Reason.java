package dev.raftlifecycle.decisions;

/**
 * Why a handler did what it did: one value per outcome, with the label that appears in the decision line, the
 * handler's JSON output and the {@code Reason} metric dimension. Defined once, so the runbook, the alarms and the
 * tests all speak of the same things.
 */
public enum Reason {
    // Terminating handler and reconciler: the peer was removed.
    VOTER_REMOVED("voter-removed"),
    LEADER_REMOVED("leader-removed"),
    NON_VOTER_REMOVED("non-voter-removed"),
    /** Removed although the guard was bypassed: the whole cluster is being decommissioned. */
    DECOMMISSIONING("decommissioning"),
    STALE_PEER("stale-peer"),
    // ... or nothing needed removing.
    NOT_A_MEMBER("not-a-member"),
    CLUSTER_UNINITIALIZED("cluster-uninitialized"),
    /**
     * A launch let through while the cluster's access is not set up yet (Consul: the handlers' auth method does not
     * exist, the first deploy before the ACL setup), on what the servers answer without a token.
     */
    ACCESS_NOT_SET_UP("access-not-set-up"),
    // ... or it was unsafe, or impossible to tell.
    CLUSTER_UNREACHABLE("cluster-unreachable"),
    TLS_FAILURE("tls-failure"),
    AUTH_FAILED("auth-failed"),
    NO_LEADER("no-leader"),
    AMBIGUOUS_MATCH("ambiguous-match"),
    /**
     * The cluster's naming makes a safe match impossible: no peer matched the instance, but some peer can be tied to no
     * instance (its node_id is not an instance id and its address is neither an instance's private IP nor the private
     * DNS name EC2 reports), so it may be this one. Nothing is removed; the detail says what to change (node_id to the
     * instance id, or the Raft address to the private IP or private DNS name).
     */
    PEER_NAMES_UNMATCHABLE("peer-names-unmatchable"),
    QUORUM_WOULD_BREAK("quorum-would-break"),
    /** Removing this healthy voter would leave fewer healthy voters than MIN_QUORUM. */
    VOTER_FLOOR("voter-floor"),
    LOCK_TIMEOUT("lock-timeout"),
    LOCK_FAILED("lock-failed"),
    OBSERVATION_FAILED("observation-failed"),
    /** The lock's lease had too little time left to start a mutation and confirm it. */
    LEASE_TOO_SHORT("lease-too-short"),
    /**
     * A group of the cluster does not retain an instance whose terminate hook was abandoned (its instance lifecycle
     * policy's TerminateHookAbandon is not retain, or Auto Scaling did not say): no peer is removed, since a refusal
     * (ABANDON) would then let the instance go with its peer still in the configuration.
     */
    RETAIN_POLICY_MISSING("retain-policy-missing"),
    /** Shadow mode: the lifecycle action was completed with CONTINUE, nothing was changed (see the decision's "would"). */
    SHADOW("shadow"),
    /**
     * Right before a mutation, a consistent read of the lock item did not show this holder's lease (it ran out and was
     * taken, or the item was overwritten or deleted), or could not be read: nothing is changed.
     */
    LEASE_LOST("lease-lost"),
    /**
     * The event's claim is not what AWS reports (an instance EC2 reports running for a state change to terminated, an
     * on-demand instance for a Spot warning, an instance not in Terminating:Wait, another hook): nothing is changed.
     */
    CLAIM_NOT_CONFIRMED("claim-not-confirmed"),
    /**
     * Auto Scaling's answer about the lifecycle action could not be classified (throttled, refused, unreachable): no
     * mutation starts on an action that may have ended.
     */
    ACTION_UNKNOWN("action-unknown"),
    STEP_DOWN_FAILED("step-down-failed"),
    REMOVAL_FAILED("removal-failed"),
    REMOVAL_UNCONFIRMED("removal-unconfirmed"),
    /** remove-peer failed or timed out and the configuration could not be re-read: the outcome is unknown. */
    REMOVAL_UNKNOWN("removal-unknown"),
    // Both lifecycle handlers.
    ALREADY_ENDED("already-ended"),
    FOREIGN_GROUP("foreign-group"),
    // Launching handler.
    READY("ready"),
    WARM_POOL("warm-pool"),
    UNREACHABLE("unreachable"),
    SEALED("sealed"),
    NOT_INITIALIZED("not-initialized"),
    NOT_IN_RAFT("not-in-raft"),
    UNHEALTHY("unhealthy"),
    NOT_STABLE("not-stable"),
    VERSION_MISMATCH("version-mismatch"),
    // Reconciler: a stale peer left in place.
    WITHIN_GRACE("within-grace"),
    INSTANCE_STOPPED("instance-stopped"),
    REPORT_ONLY("report-only"),
    /**
     * EC2 does not know the instance (or reports it terminated, and the peer is tied to it by address alone), yet the
     * peer's own address answers sys/health.
     */
    PEER_ANSWERS("peer-answers"),
    LOCK_BUSY("lock-busy"),
    /** EC2 reports the instance gone, but its peer still leads: left to the departure path (it steps down first). */
    PEER_LEADS("peer-leads"),
    // EC2 events (reconciler and interruption handler): nothing done.
    FOREIGN_INSTANCE("foreign-instance"),
    FOREIGN_ACCOUNT("foreign-account"),
    /** An event that names no account: no EventBridge delivery lacks one. */
    NO_ACCOUNT("no-account"),
    /** The state-change is not to a final state (shutting-down, terminated). */
    NOT_FINAL("not-final"),
    /** A warning for an instance EC2 already reports shutting down or terminated: its state change reconciles it. */
    ALREADY_GONE("already-gone"),
    /** A Spot interruption that stops or hibernates the instance: it comes back, its peer stays. */
    NOT_A_TERMINATION("not-a-termination"),
    /** A rebalance recommendation, counted and logged only (REBALANCE_ACTION=count). */
    REBALANCE_COUNTED("rebalance-counted"),
    /** REBALANCE_ACTION=interruption, but the group does not replace at-risk instances itself (Capacity Rebalancing). */
    NO_CAPACITY_REBALANCE("no-capacity-rebalance"),
    // Snapshot function.
    /** A snapshot was taken from the leader and its upload completed. */
    SNAPSHOT_TAKEN("snapshot-taken"),
    /** What the leader streamed is not a raft snapshot archive (its head has no meta.json): nothing is stored. */
    NOT_A_SNAPSHOT("not-a-snapshot"),
    /** The stream from the leader broke or was refused: the upload is aborted, nothing is stored. */
    SNAPSHOT_STREAM_FAILED("snapshot-stream-failed"),
    /** S3 refused or failed the upload: aborted, nothing is stored. */
    SNAPSHOT_UPLOAD_FAILED("snapshot-upload-failed"),
    /**
     * The stream ended (even cleanly) but is not a whole, valid archive (gzip trailer, tar end, SHA256SUMS, Vault's
     * SHA256SUMS.sealed): the upload is aborted, nothing is stored.
     */
    SNAPSHOT_INCOMPLETE("snapshot-incomplete"),
    /**
     * CompleteMultipartUpload's outcome stayed unknown (it failed, and the abort found no upload or failed): the
     * object may exist; not counted as taken.
     */
    SNAPSHOT_OUTCOME_UNKNOWN("snapshot-outcome-unknown");

    private final String label;

    Reason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The label, prefixed with "decommissioning-" when the guard was bypassed for a cluster being taken down. */
    public String label(boolean decommissioning) {
        return decommissioning && this != DECOMMISSIONING ? "decommissioning-" + label : label;
    }

    /** What could not be observed, in the terms of a termination or launch reason. */
    public static Reason of(Reachability reachability) {
        return switch (reachability) {
            case TLS_FAILURE -> TLS_FAILURE;
            case AUTH_FAILED -> AUTH_FAILED;
            case NO_LEADER -> NO_LEADER;
            case UNINITIALIZED -> CLUSTER_UNINITIALIZED;
            case OBSERVED, UNREACHABLE -> CLUSTER_UNREACHABLE;
        };
    }

    @Override
    public String toString() {
        return label;
    }
}
