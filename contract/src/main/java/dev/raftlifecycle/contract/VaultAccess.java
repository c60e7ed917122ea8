package dev.raftlifecycle.contract;

/**
 * How the handlers log in to Vault, and with which rights. Two roles of the AWS auth method, each with its own
 * policy file under functions/src/main/resources/vault/: a read-only one (configuration and autopilot state) for the
 * launching handler and the health publisher, and a mutating one (also remove-peer and step-down) for the
 * terminating handler and the reconciler. scripts/configure-vault creates both from those files.
 */
public final class VaultAccess {
    public static final String AUTH_MOUNT = "aws";
    /** Read + remove-peer + step-down: terminating handler and reconciler. */
    public static final String MUTATING_ROLE = "raft-lifecycle";
    public static final String MUTATING_POLICY = "raft-lifecycle";
    public static final String MUTATING_POLICY_RESOURCE = "vault/raft-lifecycle-policy.hcl";
    /** Read only: launching handler and health publisher. */
    public static final String READ_ROLE = "raft-lifecycle-read";
    public static final String READ_POLICY = "raft-lifecycle-read";
    public static final String READ_POLICY_RESOURCE = "vault/raft-lifecycle-read-policy.hcl";

    private VaultAccess() {
    }
}
