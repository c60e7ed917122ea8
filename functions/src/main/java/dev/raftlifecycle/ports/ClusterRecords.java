package dev.raftlifecycle.ports;

import dev.raftlifecycle.contract.LockTable;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * What the handlers remember about the cluster between invocations, in the lock table: since when each peer has
 * looked stale (the reconciler's grace clock), and that the cluster has been seen initialized (after which no
 * handler may ever take "every node answers 501" for a first deploy again).
 */
public final class ClusterRecords {
    private static final String FIRST_SEEN = "FirstSeenMs";
    private static final String SEEN_AT = "SeenAtMs";

    private final Lazy<DynamoDbClient> client;
    private final String table;
    private final String clusterName;

    public ClusterRecords(DynamoDbClient client, String table, String clusterName) {
        this(Lazy.ready(client), table, clusterName);
    }

    /** With the client built at its first call. */
    public ClusterRecords(Lazy<DynamoDbClient> client, String table, String clusterName) {
        this.client = client;
        this.table = table;
        this.clusterName = clusterName;
    }

    /** Builds the client now (SnapStart priming: into the snapshot, not after the restore). */
    public void warm() {
        client.get();
    }

    /** Whether the client has been built. */
    public boolean built() {
        return client.built();
    }

    private Map<String, AttributeValue> key(String prefix) {
        return Map.of(LockTable.PARTITION_KEY, AttributeValue.fromS(prefix + clusterName));
    }

    /** Since when each peer has been seen stale, as recorded by earlier reconciler runs. */
    public Map<String, Instant> staleSince() {
        Map<String, AttributeValue> item = client.get().getItem(r -> r.tableName(table).key(key(LockTable.STALE_PREFIX))
                .consistentRead(true)).item();
        Map<String, Instant> out = new HashMap<>();
        if (item != null && item.containsKey(FIRST_SEEN) && item.get(FIRST_SEEN).hasM()) {
            item.get(FIRST_SEEN).m().forEach((id, v) -> out.put(id, Instant.ofEpochMilli(Long.parseLong(v.n()))));
        }
        return out;
    }

    public void saveStaleSince(Map<String, Instant> firstSeen, Instant now) {
        Map<String, AttributeValue> marks = new HashMap<>();
        firstSeen.forEach((id, at) -> marks.put(id, AttributeValue.fromN(Long.toString(at.toEpochMilli()))));
        Map<String, AttributeValue> item = new HashMap<>(key(LockTable.STALE_PREFIX));
        item.put(FIRST_SEEN, AttributeValue.fromM(marks));
        item.put(LockTable.TTL_ATTRIBUTE, AttributeValue.fromN(Long.toString(now.plus(Duration.ofDays(7)).getEpochSecond())));
        client.get().putItem(r -> r.tableName(table).item(item));
    }

    /** Whether any handler has recorded seeing the cluster initialized. */
    public boolean initializedRecorded() {
        Map<String, AttributeValue> item = client.get().getItem(r -> r.tableName(table).key(key(LockTable.INITIALIZED_PREFIX))
                .consistentRead(true)).item();
        return item != null && item.containsKey(SEEN_AT);
    }

    /** Records that the cluster is initialized. Kept for good: this item has no expiry. */
    public void recordInitialized(Instant seenAt) {
        Map<String, AttributeValue> item = new HashMap<>(key(LockTable.INITIALIZED_PREFIX));
        item.put(SEEN_AT, AttributeValue.fromN(Long.toString(seenAt.toEpochMilli())));
        client.get().putItem(r -> r.tableName(table).item(item));
    }
}
