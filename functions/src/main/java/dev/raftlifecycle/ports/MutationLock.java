package dev.raftlifecycle.ports;

import dev.raftlifecycle.contract.LockTable;
import dev.raftlifecycle.time.Deadline;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Serializes cluster mutations across functions (the terminating, interruption and reconciler handlers) with one
 * lock item per cluster in a DynamoDB table, taken by a conditional write and held until released or its lease runs
 * out (the holder's deadline, so a crashed holder cannot block forever). Because a lease can run out, and because a
 * record is only as good as who may write it, a holder starts a mutation only while its lease still covers the call
 * and its confirmation ({@link Lease#covers}) and after a consistent read shows the item still names it
 * ({@link #holding}).
 */
public final class MutationLock {
    static final String OWNER = "Owner";
    static final String LEASE_UNTIL_MS = "LeaseUntilMs";
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

    /** The lock item's key: {@code mutation#<cluster>}. */
    public String itemKey() {
        return LockTable.MUTATION_PREFIX + clusterName;
    }

    private Map<String, AttributeValue> key() {
        return Map.of(LockTable.PARTITION_KEY, AttributeValue.fromS(itemKey()));
    }

    /** Takes the lock if free or expired; false if someone else holds a live lease. */
    public boolean tryAcquire(String owner, Instant now, Instant leaseUntil) {
        Map<String, AttributeValue> item = new HashMap<>(key());
        item.put(OWNER, AttributeValue.fromS(owner));
        item.put(LEASE_UNTIL_MS, AttributeValue.fromN(Long.toString(leaseUntil.toEpochMilli())));
        item.put(LockTable.TTL_ATTRIBUTE, AttributeValue.fromN(Long.toString(leaseUntil.plus(Duration.ofHours(1)).getEpochSecond())));
        try {
            // A retried write whose first attempt did land finds its own owner: still true.
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
    public Optional<Lease> acquire(String owner, Deadline deadline, Runnable whileWaiting) {
        return acquire(owner, deadline, deadline, whileWaiting);
    }

    /**
     * As {@link #acquire(String, Deadline, Runnable)}, but gives up waiting at {@code stopWaiting} while the lease
     * still lasts until {@code deadline}.
     */
    public Optional<Lease> acquire(String owner, Deadline deadline, Deadline stopWaiting, Runnable whileWaiting) {
        Duration wait = FIRST_RETRY;
        while (true) {
            if (tryAcquire(owner, clock.instant(), deadline.at())) {
                // Held from the moment the conditional write came back, not from when it was sent.
                return Optional.of(new Lease(owner, clock.instant(), deadline.at()));
            }
            whileWaiting.run();
            if (!stopWaiting.sleep(wait)) {
                return Optional.empty();
            }
            wait = wait.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : wait.multipliedBy(2);
        }
    }

    /** What a consistent read of the lock item says of a lease. */
    public enum Holding {
        /** The item names this owner with this lease's end: nobody took or changed it. */
        HELD,
        /** The item is gone, names another owner, or another lease end: this holder must not mutate. */
        LOST,
        /** The read failed: nothing is known, so this holder must not mutate either. */
        UNKNOWN
    }

    /**
     * Whether the lock item still names this lease (owner and lease end), read with a strongly consistent read right
     * before a mutation: a lease that ran out and was taken, or an item someone overwrote or deleted, is not held.
     */
    public Holding holding(Lease lease) {
        Map<String, AttributeValue> item;
        try {
            item = client.get().getItem(r -> r.tableName(table).key(key()).consistentRead(true)).item();
        } catch (SdkException e) {
            return Holding.UNKNOWN;
        }
        if (item == null || item.isEmpty()) {
            return Holding.LOST;
        }
        AttributeValue owner = item.get(OWNER);
        AttributeValue until = item.get(LEASE_UNTIL_MS);
        boolean same = owner != null && lease.owner().equals(owner.s()) && until != null
                && Long.toString(lease.until().toEpochMilli()).equals(until.n());
        return same ? Holding.HELD : Holding.LOST;
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
            return false; // the lease expired and someone else took it: nothing of ours to release
        } catch (RuntimeException e) {
            return false; // DynamoDB, the network or the credentials failed: the lease expires on its own
        }
    }

    public boolean release(Lease lease) {
        return release(lease.owner());
    }
}
