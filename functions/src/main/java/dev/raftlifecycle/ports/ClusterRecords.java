package dev.raftlifecycle.ports;

import dev.raftlifecycle.contract.LockTable;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import dev.raftlifecycle.decisions.LeaderChanges;

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

    private final DynamoDb dynamo;
    private final String table;
    private final String clusterName;

    public ClusterRecords(DynamoDb dynamo, String table, String clusterName) {
        this.dynamo = dynamo;
        this.table = table;
        this.clusterName = clusterName;
    }

    private Map<String, JsonNode> key(String prefix) {
        return Map.of(LockTable.PARTITION_KEY, DynamoDb.s(prefix + clusterName));
    }

    private Optional<JsonNode> item(String prefix) {
        return dynamo.getItem(table, key(prefix));
    }

    /** Since when each peer has been seen stale, as recorded by earlier reconciler runs. */
    public Map<String, Instant> staleSince() {
        Map<String, Instant> out = new HashMap<>();
        item(LockTable.STALE_PREFIX).map(i -> i.path(FIRST_SEEN).path("M")).filter(JsonNode::isObject)
                .ifPresent(marks -> marks.fields().forEachRemaining(e -> DynamoDb.number(marks, e.getKey())
                        .ifPresent(ms -> out.put(e.getKey(), Instant.ofEpochMilli(ms)))));
        return out;
    }

    public void saveStaleSince(Map<String, Instant> firstSeen, Instant now) {
        Map<String, JsonNode> marks = new HashMap<>();
        firstSeen.forEach((id, at) -> marks.put(id, DynamoDb.n(at.toEpochMilli())));
        Map<String, JsonNode> item = new HashMap<>(key(LockTable.STALE_PREFIX));
        item.put(FIRST_SEEN, DynamoDb.m(marks));
        item.put(LockTable.TTL_ATTRIBUTE, DynamoDb.n(now.plus(Duration.ofDays(7)).getEpochSecond()));
        dynamo.putItem(table, item, Optional.empty());
    }

    /** Whether any handler has recorded seeing the cluster initialized. */
    public boolean initializedRecorded() {
        return item(LockTable.INITIALIZED_PREFIX).map(i -> i.has(SEEN_AT)).orElse(false);
    }

    /** Records that the cluster is initialized. Kept for good: this item has no expiry. */
    public void recordInitialized(Instant seenAt) {
        Map<String, JsonNode> item = new HashMap<>(key(LockTable.INITIALIZED_PREFIX));
        item.put(SEEN_AT, DynamoDb.n(seenAt.toEpochMilli()));
        dynamo.putItem(table, item, Optional.empty());
    }

    /** Whether any handler has recorded reading the cluster with its token (its access is set up). */
    public boolean accessRecorded() {
        return item(LockTable.ACCESS_PREFIX).map(i -> i.has(SEEN_AT)).orElse(false);
    }

    /** Records that the cluster was read with a token. Kept for good: this item has no expiry. */
    public void recordAccess(Instant seenAt) {
        Map<String, JsonNode> item = new HashMap<>(key(LockTable.ACCESS_PREFIX));
        item.put(SEEN_AT, DynamoDb.n(seenAt.toEpochMilli()));
        dynamo.putItem(table, item, Optional.empty());
    }

    /** The leader and term the publisher recorded last. */
    public Optional<LeaderChanges.Leader> lastLeader() {
        Optional<JsonNode> item = item(LockTable.LEADER_PREFIX);
        if (item.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> leader = DynamoDb.string(item.get(), LEADER_ID);
        Optional<Long> term = DynamoDb.number(item.get(), TERM);
        Optional<Long> seen = DynamoDb.number(item.get(), SEEN_AT);
        if (leader.isEmpty() || term.isEmpty() || seen.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new LeaderChanges.Leader(leader.get(), term.get(), Instant.ofEpochMilli(seen.get())));
    }

    /**
     * Records {@code next} only if the record is still {@code expected} (none: no record yet), so that two runs that
     * saw the same change cannot both count it. Returns false when another run recorded something else first.
     */
    public boolean saveLeader(LeaderChanges.Leader next, Optional<LeaderChanges.Leader> expected) {
        Map<String, JsonNode> item = new HashMap<>(key(LockTable.LEADER_PREFIX));
        item.put(LEADER_ID, DynamoDb.s(next.leaderId()));
        item.put(TERM, DynamoDb.n(next.term()));
        item.put(SEEN_AT, DynamoDb.n(next.seenAt().toEpochMilli()));
        DynamoDb.Condition condition = expected.isEmpty()
                ? DynamoDb.Condition.of("attribute_not_exists(" + LockTable.PARTITION_KEY + ")")
                : new DynamoDb.Condition("#leader = :leader AND #term = :term AND #seen = :seen",
                        Map.of("#leader", LEADER_ID, "#term", TERM, "#seen", SEEN_AT),
                        Map.of(":leader", DynamoDb.s(expected.get().leaderId()), ":term", DynamoDb.n(expected.get().term()),
                                ":seen", DynamoDb.n(expected.get().seenAt().toEpochMilli())));
        return dynamo.putItem(table, item, Optional.of(condition));
    }
}
