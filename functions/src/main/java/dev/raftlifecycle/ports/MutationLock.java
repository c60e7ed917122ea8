package dev.raftlifecycle.ports;

import dev.raftlifecycle.contract.LockTable;
import dev.raftlifecycle.time.Deadline;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Serializes cluster mutations across functions (the terminating handler and the reconciler) with one lock item per
 * cluster in a DynamoDB table, taken by a conditional write and held until released or its lease runs out (the
 * holder's deadline, so a crashed holder cannot block forever). Because a lease can run out, a holder only starts a
 * mutation while its lease still covers the call and its confirmation ({@link Lease#covers}).
 */
public final class MutationLock {
    private static final String OWNER = "Owner";
    private static final String LEASE_UNTIL_MS = "LeaseUntilMs";
    private static final Duration FIRST_RETRY = Duration.ofMillis(200);
    private static final Duration MAX_RETRY = Duration.ofSeconds(2);

    private final Lazy<DynamoDbClient> client;
    private final String table;
    private final String clusterName;
    private final Clock clock;

    public MutationLock(DynamoDbClient client, String table, String clusterName, Clock clock) {
        this(Lazy.ready(client), table, clusterName, clock);
    }

    /** With the client built at its first call. */
    public MutationLock(Lazy<DynamoDbClient> client, String table, String clusterName, Clock clock) {
        this.client = client;
        this.table = table;
        this.clusterName = clusterName;
        this.clock = clock;
    }

    /** A held lock: who holds it and until when the lease is valid. */
    public record Lease(String owner, Instant acquiredAt, Instant until) {
        /** Whether the lease still has at least {@code needed} left at {@code now}. */
        public boolean covers(Instant now, Duration needed) {
            return !now.plus(needed).isAfter(until);
        }

        public Duration remaining(Instant now) {
            Duration left = Duration.between(now, until);
            return left.isNegative() ? Duration.ZERO : left;
        }
    }

    private Map<String, AttributeValue> key() {
        return Map.of(LockTable.PARTITION_KEY, AttributeValue.fromS(LockTable.MUTATION_PREFIX + clusterName));
    }

    /** Takes the lock if free or expired; false if someone else holds a live lease. */
    public boolean tryAcquire(String owner, Instant now, Instant leaseUntil) {
        Map<String, AttributeValue> item = new HashMap<>(key());
        item.put(OWNER, AttributeValue.fromS(owner));
        item.put(LEASE_UNTIL_MS, AttributeValue.fromN(Long.toString(leaseUntil.toEpochMilli())));
        item.put(LockTable.TTL_ATTRIBUTE, AttributeValue.fromN(Long.toString(leaseUntil.plus(Duration.ofHours(1)).getEpochSecond())));
        try {
            client.get().putItem(r -> r.tableName(table).item(item)
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
     * Waits for the lock (backing off from 200 ms to 2 s, calling {@code whileWaiting} between tries) until the
     * deadline. The lease lasts until the deadline.
     *
     * @return the lease, or empty if another holder kept it until the deadline
     * @throws SdkException when DynamoDB itself fails (nothing is held then)
     */
    public java.util.Optional<Lease> acquire(String owner, Deadline deadline, Runnable whileWaiting) {
        return acquire(owner, deadline, deadline, whileWaiting);
    }

    /**
     * As {@link #acquire(String, Deadline, Runnable)}, but gives up waiting at {@code stopWaiting} while the lease
     * still lasts until {@code deadline}.
     */
    public java.util.Optional<Lease> acquire(String owner, Deadline deadline, Deadline stopWaiting, Runnable whileWaiting) {
        Duration wait = FIRST_RETRY;
        while (true) {
            if (tryAcquire(owner, clock.instant(), deadline.at())) {
                // Held from the moment the conditional write came back, not from when it was sent.
                return java.util.Optional.of(new Lease(owner, clock.instant(), deadline.at()));
            }
            whileWaiting.run();
            if (!stopWaiting.sleep(wait)) {
                return java.util.Optional.empty();
            }
            wait = wait.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : wait.multipliedBy(2);
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
            client.get().deleteItem(r -> r.tableName(table).key(key())
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

    public boolean release(Lease lease) {
        return release(lease.owner());
    }
}
