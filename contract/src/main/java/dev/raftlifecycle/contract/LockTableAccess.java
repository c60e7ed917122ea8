package dev.raftlifecycle.contract;

import java.util.ArrayList;
import java.util.List;

/**
 * Which items of the lock table each handler may read and write ({@link LockTable}'s kinds, one item per kind and
 * cluster), for the CDK app's per-role statements (condition {@code dynamodb:LeadingKeys}). The table is not a shared
 * whiteboard: the lock item ({@code mutation#}) belongs to the three handlers that change the cluster, and only they
 * may delete; a handler that only reads the cluster cannot forge a lease.
 */
public final class LockTableAccess {
    /** One statement: these actions on these items. */
    public record Grant(String sid, List<String> actions, List<String> keys) {
    }

    static final List<String> READ_WRITE = List.of("dynamodb:GetItem", "dynamodb:PutItem");
    static final List<String> LOCK = List.of("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem");

    private LockTableAccess() {
    }

    /** The grants of one handler (by its short name, {@link HandlerNames}) for one cluster. */
    public static List<Grant> of(String handler, String clusterName) {
        List<Grant> grants = new ArrayList<>();
        boolean mutator = handler.equals(HandlerNames.TERMINATING_NAME) || handler.equals(HandlerNames.RECONCILER_NAME)
                || handler.equals(HandlerNames.INTERRUPTION_NAME);
        if (mutator) {
            grants.add(new Grant("TheMutationLock", LOCK, List.of(LockTable.MUTATION_PREFIX + clusterName)));
        }
        // Every observer records that the cluster was seen initialized and read with a token (never unrecorded).
        List<String> records = new ArrayList<>(List.of(LockTable.INITIALIZED_PREFIX + clusterName,
                LockTable.ACCESS_PREFIX + clusterName));
        if (handler.equals(HandlerNames.RECONCILER_NAME)) {
            records.add(LockTable.STALE_PREFIX + clusterName);
        }
        if (handler.equals(HandlerNames.PUBLISHER_NAME)) {
            records.add(LockTable.LEADER_PREFIX + clusterName);
        }
        grants.add(new Grant("ClusterRecords", READ_WRITE, List.copyOf(records)));
        return List.copyOf(grants);
    }
}
