package dev.raftlifecycle.contract;

/**
 * How the handlers log in to Vault, and with which rights. Three roles of the AWS auth method, their policies in
 * files under functions/src/main/resources/vault/: a read-only one (configuration and autopilot state) for the
 * launching handler; the publisher's, the same reads plus exactly the canary's two KV paths; and a mutating one
 * (also remove-peer and step-down) for the terminating, reconciler and interruption handlers.
 * scripts/configure-vault creates them from those files, and the canary's KV mount with its read value.
 */
public final class VaultAccess {
    public static final String AUTH_MOUNT = "aws";
    /** Read + remove-peer + step-down: terminating handler and reconciler. */
    public static final String MUTATING_ROLE = "raft-lifecycle";
    public static final String MUTATING_POLICY = "raft-lifecycle";
    public static final String MUTATING_POLICY_RESOURCE = "vault/raft-lifecycle-policy.hcl";
    /** Read only: the launching handler. */
    public static final String READ_ROLE = "raft-lifecycle-read";
    public static final String READ_POLICY = "raft-lifecycle-read";
    public static final String READ_POLICY_RESOURCE = "vault/raft-lifecycle-read-policy.hcl";
    /** The health publisher: {@link #READ_POLICY} plus {@link #CANARY_POLICY}. */
    public static final String PUBLISHER_ROLE = "raft-lifecycle-publisher";
    /** Read {@link #CANARY_READ_PATH}, create/update {@link #CANARY_WRITE_PATH}; nothing else. */
    public static final String CANARY_POLICY = "raft-lifecycle-canary";
    public static final String CANARY_POLICY_RESOURCE = "vault/raft-lifecycle-canary-policy.hcl";
    /**
     * The snapshot function: read {@code sys/storage/raft/snapshot} and nothing else (a snapshot holds every secret
     * of the cluster, encrypted by the barrier; reading it is as sensitive as the bucket it goes to).
     */
    public static final String SNAPSHOT_ROLE = "raft-lifecycle-snapshot";
    public static final String SNAPSHOT_POLICY = "raft-lifecycle-snapshot";
    public static final String SNAPSHOT_POLICY_RESOURCE = "vault/raft-lifecycle-snapshot-policy.hcl";
    /** A KV version 1 mount of the canary's own (one request per operation, no metadata paths). */
    public static final String CANARY_MOUNT = "raft-lifecycle-canary";
    /** Written once by scripts/configure-vault with {@link #CANARY_VALUE_FIELD} = {@link #CANARY_VALUE}. */
    public static final String CANARY_READ_PATH = CANARY_MOUNT + "/read";
    /** Written by every canary run (the time it ran). */
    public static final String CANARY_WRITE_PATH = CANARY_MOUNT + "/write";
    public static final String CANARY_VALUE_FIELD = "value";
    public static final String CANARY_VALUE = "raft-lifecycle-canary";

    private VaultAccess() {
    }
}
