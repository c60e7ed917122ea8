package dev.raftlifecycle.ports;

import dev.raftlifecycle.contract.LockTable;
import dev.raftlifecycle.decisions.LeaderChanges;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * What the handlers remember about the cluster between invocations, in the lock table: since when each peer has
 * looked stale (the reconciler's grace clock), that the cluster has been seen initialized (after which no
 * handler may ever take "every node answers 501" for a first deploy again), that it has been read with a token, and
 * the leader and term the publisher saw last (its LeaderChanges count). Each kind is one item ({@code <kind>#<cluster>});
 * each function's role may touch only the items of the kinds it owns (infra: the lock table's leading keys).
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

    private Optional<Map<String, AttributeValue>> item(String prefix) {
        Map<String, AttributeValue> item = client.get().getItem(r -> r.tableName(table).key(key(prefix))
                .consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(item);
    }

    private static Optional<Long> number(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        if (v == null || v.n() == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(v.n()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    /** Since when each peer has been seen stale, as recorded by earlier reconciler runs. */
    public Map<String, Instant> staleSince() {
        Map<String, Instant> out = new HashMap<>();
        item(LockTable.STALE_PREFIX).map(i -> i.get(FIRST_SEEN)).filter(v -> v.hasM()).ifPresent(marks ->
                marks.m().forEach((id, v) -> {
                    if (v.n() != null) {
                        try {
                            out.put(id, Instant.ofEpochMilli(Long.parseLong(v.n())));
                        } catch (NumberFormatException e) {
                            // not a mark this code wrote: ignored
                        }
                    }
                }));
        return out;
    }

    public void saveStaleSince(Map<String, Instant> firstSeen, Instant now) {
        Map<String, AttributeValue> marks = new HashMap<>();
        firstSeen.forEach((id, at) -> marks.put(id, n(at.toEpochMilli())));
        Map<String, AttributeValue> item = new HashMap<>(key(LockTable.STALE_PREFIX));
        item.put(FIRST_SEEN, AttributeValue.fromM(marks));
        item.put(LockTable.TTL_ATTRIBUTE, n(now.plus(Duration.ofDays(7)).getEpochSecond()));
        client.get().putItem(r -> r.tableName(table).item(item));
    }

    /**
     * Whether any handler has recorded seeing the cluster initialized. The item's presence is the record: whatever a
     * later write put in it, it cannot make the cluster "never initialized" again.
     */
    public boolean initializedRecorded() {
        return item(LockTable.INITIALIZED_PREFIX).isPresent();
    }

    /** Records that the cluster is initialized. Kept for good: this item has no expiry. */
    public void recordInitialized(Instant seenAt) {
        record(LockTable.INITIALIZED_PREFIX, seenAt);
    }

    /** Whether any handler has recorded reading the cluster with its token (its access is set up); presence counts. */
    public boolean accessRecorded() {
        return item(LockTable.ACCESS_PREFIX).isPresent();
    }

    /** Records that the cluster was read with a token. Kept for good: this item has no expiry. */
    public void recordAccess(Instant seenAt) {
        record(LockTable.ACCESS_PREFIX, seenAt);
    }

    private void record(String prefix, Instant seenAt) {
        Map<String, AttributeValue> item = new HashMap<>(key(prefix));
        item.put(SEEN_AT, n(seenAt.toEpochMilli()));
        client.get().putItem(r -> r.tableName(table).item(item));
    }

    /** The leader and term the publisher recorded last. */
    public Optional<LeaderChanges.Leader> lastLeader() {
        Optional<Map<String, AttributeValue>> item = item(LockTable.LEADER_PREFIX);
        if (item.isEmpty()) {
            return Optional.empty();
        }
        AttributeValue leader = item.get().get(LEADER_ID);
        Optional<Long> term = number(item.get(), TERM);
        Optional<Long> seen = number(item.get(), SEEN_AT);
        if (leader == null || leader.s() == null || term.isEmpty() || seen.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new LeaderChanges.Leader(leader.s(), term.get(), Instant.ofEpochMilli(seen.get())));
    }

    /**
     * Records {@code next} only if the record is still {@code expected} (none: no record yet), so that two runs that
     * saw the same change cannot both count it. Returns false when another run recorded something else first.
     */
    public boolean saveLeader(LeaderChanges.Leader next, Optional<LeaderChanges.Leader> expected) {
        Map<String, AttributeValue> item = new HashMap<>(key(LockTable.LEADER_PREFIX));
        item.put(LEADER_ID, AttributeValue.fromS(next.leaderId()));
        item.put(TERM, n(next.term()));
        item.put(SEEN_AT, n(next.seenAt().toEpochMilli()));
        try {
            if (expected.isEmpty()) {
                client.get().putItem(r -> r.tableName(table).item(item)
                        .conditionExpression("attribute_not_exists(#k)")
                        .expressionAttributeNames(Map.of("#k", LockTable.PARTITION_KEY)));
            } else {
                LeaderChanges.Leader was = expected.get();
                client.get().putItem(r -> r.tableName(table).item(item)
                        .conditionExpression("#leader = :leader AND #term = :term AND #seen = :seen")
                        .expressionAttributeNames(Map.of("#leader", LEADER_ID, "#term", TERM, "#seen", SEEN_AT))
                        .expressionAttributeValues(Map.of(":leader", AttributeValue.fromS(was.leaderId()),
                                ":term", n(was.term()), ":seen", n(was.seenAt().toEpochMilli()))));
            }
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }
}
