package dev.raftlifecycle.decisions;

import dev.raftlifecycle.contract.Ec2Events;
import java.util.List;
import java.util.Optional;

/**
 * Whether an event is this cluster's to act on. Every event must name this function's own account (every EventBridge
 * delivery names one; an event without it, or from another account, is refused before any call: see
 * {@link #accountRefusal}). An EC2 event's instance must further be known to EC2 as one of the cluster's: Auto Scaling's group tag names one of its groups, or the cluster tag it was
 * launched with names this cluster (Auto Scaling removes its group tag from an instance that leaves the group; the
 * cluster tag stays). Neither EventBridge rule can filter by tag, so every instance of the region reaches the
 * handlers: this is what keeps them to the cluster's own.
 */
public final class EventScope {
    private EventScope() {
    }

    public enum Scope {
        OURS, FOREIGN_ACCOUNT, NO_ACCOUNT, FOREIGN_INSTANCE;

        public Reason reason() {
            return switch (this) {
                case FOREIGN_ACCOUNT -> Reason.FOREIGN_ACCOUNT;
                case NO_ACCOUNT -> Reason.NO_ACCOUNT;
                case OURS, FOREIGN_INSTANCE -> Reason.FOREIGN_INSTANCE;
            };
        }
    }

    /**
     * Why an event's account rules it out, if it does: it names none ({@link Reason#NO_ACCOUNT}) or another than the
     * function's own ({@link Reason#FOREIGN_ACCOUNT}).
     */
    public static Optional<Reason> accountRefusal(String eventAccount, String ownAccount) {
        if (eventAccount.isEmpty()) {
            return Optional.of(Reason.NO_ACCOUNT);
        }
        return eventAccount.equals(ownAccount) ? Optional.empty() : Optional.of(Reason.FOREIGN_ACCOUNT);
    }

    /**
     * @param eventAccount the event's {@code account} ("" when absent)
     * @param ownAccount   the function's account (ACCOUNT_ID)
     * @param instanceKnown whether EC2 describes the instance at all
     * @param instanceGroup   the instance's Auto Scaling group tag, if it has one
     * @param instanceCluster the instance's cluster tag, if it has one
     */
    public static Scope of(String eventAccount, String ownAccount, boolean instanceKnown,
                           Optional<String> instanceGroup, Optional<String> instanceCluster, List<String> clusterGroups,
                           String clusterName) {
        Optional<Reason> refusal = accountRefusal(eventAccount, ownAccount);
        if (refusal.isPresent()) {
            return refusal.get() == Reason.NO_ACCOUNT ? Scope.NO_ACCOUNT : Scope.FOREIGN_ACCOUNT;
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
