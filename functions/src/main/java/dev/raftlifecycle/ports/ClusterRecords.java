package dev.raftlifecycle.ports;

import dev.raftlifecycle.contract.LockTable;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import dev.raftlifecycle.decisions.LeaderChanges;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * What the handlers remember about the cluster between invocations, in the lock table: since when each peer has
 * looked stale (the reconciler's grace clock), that the cluster has been seen initialized (after which no
 * handler may ever take "every node answers 501" for a first deploy again), and the leader and term the publisher
 * saw last (its LeaderChanges count).
 */
public final class ClusterRecords {
    private static final String FIRST_SEEN = "FirstSeenMs";
    private static final String SEEN_AT = "SeenAtMs";
    private static final String LEADER_ID = "LeaderId";
    private static final String TERM = "Term";

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

    /** Whether any handler has recorded reading the cluster with its token (its access is set up). */
    public boolean accessRecorded() {
        Map<String, AttributeValue> item = client.get().getItem(r -> r.tableName(table).key(key(LockTable.ACCESS_PREFIX))
                .consistentRead(true)).item();
        return item != null && item.containsKey(SEEN_AT);
    }

    /** Records that the cluster was read with a token. Kept for good: this item has no expiry. */
    public void recordAccess(Instant seenAt) {
        Map<String, AttributeValue> item = new HashMap<>(key(LockTable.ACCESS_PREFIX));
        item.put(SEEN_AT, AttributeValue.fromN(Long.toString(seenAt.toEpochMilli())));
        client.get().putItem(r -> r.tableName(table).item(item));
    }

    /** The leader and term the publisher recorded last. */
    public Optional<LeaderChanges.Leader> lastLeader() {
        Map<String, AttributeValue> item = client.get().getItem(r -> r.tableName(table).key(key(LockTable.LEADER_PREFIX))
                .consistentRead(true)).item();
        if (item == null || !item.containsKey(LEADER_ID) || !item.containsKey(TERM) || !item.containsKey(SEEN_AT)) {
            return Optional.empty();
        }
        return Optional.of(new LeaderChanges.Leader(item.get(LEADER_ID).s(), Long.parseLong(item.get(TERM).n()),
                Instant.ofEpochMilli(Long.parseLong(item.get(SEEN_AT).n()))));
    }

    /**
     * Records {@code next} only if the record is still {@code expected} (none: no record yet), so that two runs that
     * saw the same change cannot both count it. Returns false when another run recorded something else first.
     */
    public boolean saveLeader(LeaderChanges.Leader next, Optional<LeaderChanges.Leader> expected) {
        Map<String, AttributeValue> item = new HashMap<>(key(LockTable.LEADER_PREFIX));
        item.put(LEADER_ID, AttributeValue.fromS(next.leaderId()));
        item.put(TERM, AttributeValue.fromN(Long.toString(next.term())));
        item.put(SEEN_AT, AttributeValue.fromN(Long.toString(next.seenAt().toEpochMilli())));
        try {
            if (expected.isEmpty()) {
                client.get().putItem(r -> r.tableName(table).item(item)
                        .conditionExpression("attribute_not_exists(" + LockTable.PARTITION_KEY + ")"));
            } else {
                client.get().putItem(r -> r.tableName(table).item(item)
                        .conditionExpression("#leader = :leader AND #term = :term AND #seen = :seen")
                        .expressionAttributeNames(Map.of("#leader", LEADER_ID, "#term", TERM, "#seen", SEEN_AT))
                        .expressionAttributeValues(Map.of(
                                ":leader", AttributeValue.fromS(expected.get().leaderId()),
                                ":term", AttributeValue.fromN(Long.toString(expected.get().term())),
                                ":seen", AttributeValue.fromN(Long.toString(expected.get().seenAt().toEpochMilli())))));
            }
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }
}
