package dev.raftlifecycle.decisions;

import dev.raftlifecycle.contract.Ec2Events;
import java.util.List;
import java.util.Optional;

/**
 * Whether an EC2 event about an instance is this cluster's to act on: it comes from this function's own account (an
 * event without an account, or a function that cannot tell its account, is not held against it), and EC2 knows the
 * instance as one of the cluster's: Auto Scaling's group tag names one of its groups, or the cluster tag it was
 * launched with names this cluster (Auto Scaling removes its group tag from an instance that leaves the group; the
 * cluster tag stays). Neither EventBridge rule can filter by tag, so every instance of the region reaches the
 * handlers: this is what keeps them to the cluster's own.
 */
public final class EventScope {
    private EventScope() {
    }

    public enum Scope {
        OURS, FOREIGN_ACCOUNT, FOREIGN_INSTANCE;

        public Reason reason() {
            return this == FOREIGN_ACCOUNT ? Reason.FOREIGN_ACCOUNT : Reason.FOREIGN_INSTANCE;
        }
    }

    /**
     * @param eventAccount the event's {@code account} ("" when absent)
     * @param ownAccount   the function's account, from its ARN
     * @param instanceKnown whether EC2 describes the instance at all
     * @param instanceGroup   the instance's Auto Scaling group tag, if it has one
     * @param instanceCluster the instance's cluster tag, if it has one
     */
    public static Scope of(String eventAccount, Optional<String> ownAccount, boolean instanceKnown,
                           Optional<String> instanceGroup, Optional<String> instanceCluster, List<String> clusterGroups,
                           String clusterName) {
        if (!eventAccount.isEmpty() && ownAccount.isPresent() && !ownAccount.get().equals(eventAccount)) {
            return Scope.FOREIGN_ACCOUNT;
        }
        boolean ours = instanceGroup.filter(clusterGroups::contains).isPresent()
                || instanceCluster.filter(clusterName::equals).isPresent();
        return instanceKnown && ours ? Scope.OURS : Scope.FOREIGN_INSTANCE;
    }

    /**
     * What a rebalance recommendation may do. It is a risk signal, not a notice: the instance may never be interrupted.
     * Acting on it (REBALANCE_ACTION=interruption) is only sound when the group has Capacity Rebalancing on, so that
     * Auto Scaling itself replaces the instance and terminates it; otherwise removing its peer would leave a running
     * instance outside Raft that nothing brings back.
     *
     * @return empty to act as on an interruption warning, else why only to count it
     */
    public static Optional<Reason> rebalanceRefusal(boolean asInterruption, boolean capacityRebalance) {
        if (!asInterruption) {
            return Optional.of(Reason.REBALANCE_COUNTED);
        }
        return capacityRebalance ? Optional.empty() : Optional.of(Reason.NO_CAPACITY_REBALANCE);
    }

    /** EC2 already reports the instance on its way out (shutting-down or terminated): nothing stops that any more. */
    public static boolean gone(String ec2State) {
        return Ec2Events.isFinal(ec2State);
    }
}
