package dev.raftlifecycle.ports;

import dev.raftlifecycle.contract.LockTable;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Serializes cluster mutations across functions (the terminating handler and the reconciler) with one
 * lock item per cluster in a DynamoDB table, taken by a conditional write and held until released or its
 * lease runs out (the holder's Lambda deadline, so a crashed holder cannot block forever). The same table
 * remembers since when each peer has looked stale (one item per cluster).
 */
public final class MutationLock {
    private static final String OWNER = "Owner";
    private static final String LEASE_UNTIL_MS = "LeaseUntilMs";
    private static final String FIRST_SEEN = "FirstSeenMs";

    private final DynamoDbClient client;
    private final String table;
    private final String clusterName;

    public MutationLock(DynamoDbClient client, String table, String clusterName) {
        this.client = client;
        this.table = table;
        this.clusterName = clusterName;
    }

    private Map<String, AttributeValue> key(String kind) {
        return Map.of(LockTable.PARTITION_KEY, AttributeValue.fromS(kind + "#" + clusterName));
    }

    /** Takes the lock if free or expired; false if someone else holds a live lease. */
    public boolean tryAcquire(String owner, Instant now, Instant leaseUntil) {
        Map<String, AttributeValue> item = new HashMap<>(key("mutation"));
        item.put(OWNER, AttributeValue.fromS(owner));
        item.put(LEASE_UNTIL_MS, AttributeValue.fromN(Long.toString(leaseUntil.toEpochMilli())));
        item.put(LockTable.TTL_ATTRIBUTE, AttributeValue.fromN(Long.toString(leaseUntil.plus(Duration.ofHours(1)).getEpochSecond())));
        try {
            client.putItem(r -> r.tableName(table).item(item)
                    .conditionExpression("attribute_not_exists(#k) OR #lease < :now OR #owner = :me")
                    .expressionAttributeNames(Map.of("#k", LockTable.PARTITION_KEY, "#lease", LEASE_UNTIL_MS, "#owner", OWNER))
                    .expressionAttributeValues(Map.of(":now", AttributeValue.fromN(Long.toString(now.toEpochMilli())),
                            ":me", AttributeValue.fromS(owner))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    /**
     * Releases the lock if this owner still holds it. Best effort, and so it never throws: if the call fails the
     * lease simply runs out at the holder's deadline, and the change made under the lock stands.
     *
     * @return whether this call released it (false: someone else holds it now, or the call failed)
     */
    public boolean release(String owner) {
        try {
            client.deleteItem(r -> r.tableName(table).key(key("mutation"))
                    .conditionExpression("#owner = :me")
                    .expressionAttributeNames(Map.of("#owner", OWNER))
                    .expressionAttributeValues(Map.of(":me", AttributeValue.fromS(owner))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false; // lease expired and someone else took it: nothing of ours to release
        } catch (SdkException e) {
            return false; // the lease expires on its own
        }
    }

    /** Since when each peer has been seen stale, as recorded by earlier reconciler runs. */
    public Map<String, Instant> staleSince() {
        Map<String, AttributeValue> item = client.getItem(r -> r.tableName(table).key(key("stale")).consistentRead(true)).item();
        Map<String, Instant> out = new HashMap<>();
        if (item != null && item.containsKey(FIRST_SEEN) && item.get(FIRST_SEEN).hasM()) {
            item.get(FIRST_SEEN).m().forEach((id, v) -> out.put(id, Instant.ofEpochMilli(Long.parseLong(v.n()))));
        }
        return out;
    }

    public void saveStaleSince(Map<String, Instant> firstSeen, Instant now) {
        Map<String, AttributeValue> marks = new HashMap<>();
        firstSeen.forEach((id, at) -> marks.put(id, AttributeValue.fromN(Long.toString(at.toEpochMilli()))));
        Map<String, AttributeValue> item = new HashMap<>(key("stale"));
        item.put(FIRST_SEEN, AttributeValue.fromM(marks));
        item.put(LockTable.TTL_ATTRIBUTE, AttributeValue.fromN(Long.toString(now.plus(Duration.ofDays(7)).getEpochSecond())));
        client.putItem(r -> r.tableName(table).item(item));
    }
}
