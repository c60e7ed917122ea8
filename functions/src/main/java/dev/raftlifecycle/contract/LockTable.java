package dev.raftlifecycle.contract;

/**
 * The DynamoDB table that serializes cluster mutations (terminating handler and reconciler) and remembers
 * since when a peer has looked stale. One string partition key; items expire through the TTL attribute.
 */
public final class LockTable {
    public static final String PARTITION_KEY = "LockId";
    /** Epoch seconds after which DynamoDB may delete the item (the table's TTL attribute). */
    public static final String TTL_ATTRIBUTE = "ExpiresAt";

    private LockTable() {
    }
}
