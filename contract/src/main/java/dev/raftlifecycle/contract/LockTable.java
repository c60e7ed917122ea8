package dev.raftlifecycle.contract;

/**
 * The DynamoDB table that serializes cluster mutations (terminating handler and reconciler) and holds what the
 * handlers remember between invocations: since when a peer has looked stale, that the cluster has been seen
 * initialized, and that it has been read with a token. One string partition key, one item per kind and cluster ({@code <kind>#<cluster>}); lock and stale
 * items expire through the TTL attribute, the initialized and access marks never do.
 */
public final class LockTable {
    public static final String PARTITION_KEY = "LockId";
    /** Epoch seconds after which DynamoDB may delete the item (the table's TTL attribute). */
    public static final String TTL_ATTRIBUTE = "ExpiresAt";
    public static final String MUTATION_PREFIX = "mutation#";
    public static final String STALE_PREFIX = "stale#";
    public static final String INITIALIZED_PREFIX = "initialized#";
    /** That a handler has read the cluster with its token (Consul: the ACL setup is done); kept for good. */
    public static final String ACCESS_PREFIX = "access#";
    /** The leader and Raft term the publisher saw last (for LeaderChanges); kept, like the initialized mark. */
    public static final String LEADER_PREFIX = "leader#";

    private LockTable() {
    }
}
