package dev.raftlifecycle.ports;

import dev.raftlifecycle.contract.LockTable;
import dev.raftlifecycle.time.Deadline;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import com.fasterxml.jackson.databind.JsonNode;

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

    private final DynamoDb dynamo;
    private final String table;
    private final String clusterName;
    private final Clock clock;

    public MutationLock(DynamoDb dynamo, String table, String clusterName, Clock clock) {
        this.dynamo = dynamo;
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

    private Map<String, JsonNode> key() {
        return Map.of(LockTable.PARTITION_KEY, DynamoDb.s(LockTable.MUTATION_PREFIX + clusterName));
    }

    /** Takes the lock if free or expired; false if someone else holds a live lease. */
    public boolean tryAcquire(String owner, Instant now, Instant leaseUntil) {
        Map<String, JsonNode> item = new HashMap<>(key());
        item.put(OWNER, DynamoDb.s(owner));
        item.put(LEASE_UNTIL_MS, DynamoDb.n(leaseUntil.toEpochMilli()));
        item.put(LockTable.TTL_ATTRIBUTE, DynamoDb.n(leaseUntil.plus(Duration.ofHours(1)).getEpochSecond()));
        // A retried write whose first attempt did land finds its own owner: still true.
        return dynamo.putItem(table, item, Optional.of(new DynamoDb.Condition(
                "attribute_not_exists(#k) OR #lease < :now OR #owner = :me",
                Map.of("#k", LockTable.PARTITION_KEY, "#lease", LEASE_UNTIL_MS, "#owner", OWNER),
                Map.of(":now", DynamoDb.n(now.toEpochMilli()), ":me", DynamoDb.s(owner)))));
    }

    /**
     * Waits for the lock (backing off from 200 ms to 2 s, calling {@code whileWaiting} between tries) until the
     * deadline. The lease lasts until the deadline.
     *
     * @return the lease, or empty if another holder kept it until the deadline
     * @throws AwsCallException when DynamoDB itself fails (nothing is held then)
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
            // false: the lease expired and someone else took it, nothing of ours to release
            return dynamo.deleteItem(table, key(), new DynamoDb.Condition("#owner = :me", Map.of("#owner", OWNER),
                    Map.of(":me", DynamoDb.s(owner))));
        } catch (RuntimeException e) {
            return false; // DynamoDB, the network or the credentials failed: the lease expires on its own
        }
    }

    public boolean release(Lease lease) {
        return release(lease.owner());
    }
}
