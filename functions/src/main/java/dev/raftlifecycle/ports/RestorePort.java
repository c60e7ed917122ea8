package dev.raftlifecycle.ports;

import dev.raftlifecycle.decisions.RestoreTarget;
import java.io.InputStream;

/**
 * Restoring a Raft snapshot into a cluster, with the operator's token (Vault: a root or operator token of the cluster
 * restored into; Consul: a management token): {@link VaultRestoreClient} and {@link ConsulRestoreClient}. Same TLS as
 * every other call ({@link VaultTls}: the cluster's CA only, the name checked). The token is never logged nor put
 * into an exception's message.
 */
public interface RestorePort {
    /** How the snapshot goes in. */
    enum Mode {
        /**
         * Into another cluster (Vault: {@code sys/storage/raft/snapshot-force}, which skips the check that the snapshot's
         * keyring is the cluster's own; the seal must be able to decrypt it: the same KMS key).
         */
        OTHER_CLUSTER,
        /** Back into the cluster that took it (Vault: {@code sys/storage/raft/snapshot}, which refuses another's). */
        SAME_CLUSTER
    }

    /** The target as its node {@code host} reports it, what it holds included. */
    RestoreTarget describe(String host, String token) throws ClusterCallException;

    /**
     * Leader, seal and applied index only, for confirming a restore: after it, the cluster's tokens are the snapshot's
     * and the operator's token of the new cluster may be gone. Vault reads these without a token; Consul's index needs
     * one ({@link RestoreTarget#UNKNOWN_INDEX} when the token is refused).
     */
    RestoreTarget status(String host, String token) throws ClusterCallException;

    /**
     * Sends {@code length} bytes of {@code body} (a snapshot archive, read as it is sent, never held whole) to the
     * node {@code host}, or to the active node a Vault standby names. Returns once the target has answered: Vault
     * applies the snapshot after its answer, so a success says it was received, not applied (the caller confirms),
     * and a failure without a 4xx answer leaves the outcome unknown.
     */
    void restore(String host, String token, Mode mode, InputStream body, long length) throws ClusterCallException;
}
