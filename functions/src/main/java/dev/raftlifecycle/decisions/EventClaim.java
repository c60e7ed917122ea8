package dev.raftlifecycle.decisions;

import dev.raftlifecycle.contract.Ec2Events;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What an event says is happening to one instance, and whether AWS's own answer confirms it. An event says <em>which</em>
 * instance and <em>why now</em>; it never says what is true: it can be replayed, misrouted, sent by anyone allowed to
 * invoke the function, or simply wrong. So before anything is changed, the claim is checked against the snapshot the
 * handler decides on (Auto Scaling's lifecycle state, EC2's instance state and market, the Spot request), and a claim
 * the snapshot does not confirm is a no-op ({@link Reason#CLAIM_NOT_CONFIRMED}), never a removal.
 *
 * <p>What cannot be verified, and so stays open: that a lifecycle event's token is the action's own (only the
 * heartbeat, which Auto Scaling answers by token, says the action with that token is open); that a rebalance
 * recommendation was really issued (EC2 exposes no trace of it); and, for a Spot instance whose request EC2 does not
 * report, that the interruption was scheduled (its state and market are checked, its request's status cannot be).
 */
public sealed interface EventClaim {

    String instanceId();

    /** In words, for the decision line ("a terminate lifecycle action of group g, hook h"). */
    String describe();

    /** An Auto Scaling terminate lifecycle action: the instance in Terminating:Wait in the event's group, our hook. */
    record Termination(String instanceId, String group, String hook, String clusterHook) implements EventClaim {
        @Override
        public String describe() {
            return "a terminate lifecycle action of " + instanceId + " in " + group + " (hook " + hook + ")";
        }
    }

    /** An Auto Scaling launch lifecycle action: the instance in Pending:Wait in the event's group, our hook. */
    record Launch(String instanceId, String group, String hook, String clusterHook) implements EventClaim {
        @Override
        public String describe() {
            return "a launch lifecycle action of " + instanceId + " in " + group + " (hook " + hook + ")";
        }
    }

    /** EC2's state change to a final state: EC2 must report the instance shutting down or terminated. */
    record StateChange(String instanceId, String state) implements EventClaim {
        @Override
        public String describe() {
            return "a state change of " + instanceId + " to " + state;
        }
    }

    /**
     * A Spot interruption warning that terminates the instance: EC2 must report it running, a Spot instance, in one of
     * the cluster's groups, and its Spot request (where EC2 reports one) must show the interruption.
     */
    record SpotInterruption(String instanceId) implements EventClaim {
        @Override
        public String describe() {
            return "a Spot interruption warning for " + instanceId;
        }
    }

    /**
     * A rebalance recommendation acted on as an interruption (REBALANCE_ACTION=interruption): EC2 must report the
     * instance running, a Spot instance, in one of the cluster's groups. The recommendation itself leaves no trace.
     */
    record SpotAtRisk(String instanceId) implements EventClaim {
        @Override
        public String describe() {
            return "a rebalance recommendation for " + instanceId;
        }
    }

    /** What the check found. */
    sealed interface Verdict {
        String detail();

        default boolean confirmed() {
            return this instanceof Confirmed;
        }
    }

    /** @param detail what AWS reported that confirms it */
    record Confirmed(String detail) implements Verdict {
    }

    /** @param detail what AWS reported instead */
    record NotConfirmed(String detail) implements Verdict {
    }

    /** The lifecycle state of an instance waiting in a terminate hook (also from a warm pool). */
    String TERMINATING_WAIT = "Terminating:Wait";
    /** The lifecycle state of an instance waiting in a launch hook (also into a warm pool). */
    String PENDING_WAIT = "Pending:Wait";

    /**
     * The Spot request status codes that show an interruption that terminates the instance: marked-for-termination,
     * or one of the instance-terminated-* codes EC2 sets at once when it takes the capacity back (the instance stays
     * running for the two minutes' notice).
     */
    Set<String> SPOT_TERMINATING_CODES = Set.of(dev.raftlifecycle.contract.Ec2Events.SPOT_MARKED_FOR_TERMINATION, "instance-terminated-no-capacity",
            "instance-terminated-by-price", "instance-terminated-by-schedule",
            "instance-terminated-launch-group-constraint", "instance-terminated-capacity-oversubscribed");

    /** The claim checked against one snapshot's instances (pure). */
    static Verdict check(EventClaim claim, ClusterSnapshot s, List<String> clusterGroups) {
        return check(claim, s.instances(), clusterGroups);
    }

    /**
     * The claim checked against the instances as observed (the groups' members joined with EC2, and the subject).
     *
     * @param clusterGroups the cluster's configured groups
     */
    static Verdict check(EventClaim claim, List<ClusterInstance> instances, List<String> clusterGroups) {
        Optional<ClusterInstance> instance = instances.stream().filter(i -> i.instanceId().equals(claim.instanceId()))
                .findFirst();
        return switch (claim) {
            case Termination t -> lifecycle(t.instanceId(), t.group(), t.hook(), t.clusterHook(), TERMINATING_WAIT, instance);
            case Launch l -> lifecycle(l.instanceId(), l.group(), l.hook(), l.clusterHook(), PENDING_WAIT, instance);
            case StateChange c -> instance.filter(i -> Ec2Events.isFinal(i.ec2State()))
                    .<Verdict>map(i -> new Confirmed("EC2 reports " + i.instanceId() + " " + i.ec2State()))
                    .orElseGet(() -> new NotConfirmed("the event says " + c.state() + ", EC2 reports "
                            + instance.map(ClusterInstance::ec2State).orElse("nothing of it")));
            case SpotInterruption p -> spot(p.instanceId(), instance, clusterGroups, true);
            case SpotAtRisk r -> spot(r.instanceId(), instance, clusterGroups, false);
        };
    }

    private static Verdict lifecycle(String id, String group, String hook, String clusterHook, String waitState,
                                     Optional<ClusterInstance> instance) {
        if (!hook.equals(clusterHook)) {
            return new NotConfirmed("the event's hook " + hook + " is not this cluster's (" + clusterHook + ")");
        }
        if (instance.isEmpty() || instance.get().groupName().isEmpty()) {
            return new NotConfirmed("Auto Scaling reports " + id + " in none of this cluster's groups");
        }
        ClusterInstance i = instance.get();
        if (!i.groupName().equals(group)) {
            return new NotConfirmed("Auto Scaling reports " + id + " in " + i.groupName() + ", not in " + group);
        }
        if (!i.lifecycleState().endsWith(waitState)) {
            return new NotConfirmed("Auto Scaling reports " + id + " " + i.lifecycleState() + ", not " + waitState);
        }
        return new Confirmed("Auto Scaling reports " + id + " " + i.lifecycleState() + " in " + group);
    }

    private static Verdict spot(String id, Optional<ClusterInstance> instance, List<String> clusterGroups,
                                boolean interruption) {
        if (instance.isEmpty() || "unknown".equals(instance.get().ec2State())) {
            return new NotConfirmed("EC2 reports nothing of " + id);
        }
        ClusterInstance i = instance.get();
        if (!"running".equals(i.ec2State())) {
            return new NotConfirmed("EC2 reports " + id + " " + i.ec2State() + ", not running");
        }
        if (!ClusterInstance.SPOT.equals(i.instanceLifecycle())) {
            return new NotConfirmed("EC2 reports " + id + " "
                    + (i.instanceLifecycle().isEmpty() ? "on-demand" : i.instanceLifecycle()) + ", not a Spot instance");
        }
        if (!clusterGroups.contains(i.groupName())) {
            return new NotConfirmed("Auto Scaling reports " + id + " in none of this cluster's groups");
        }
        if (!interruption) {
            return new Confirmed("EC2 reports " + id + " a running Spot instance in " + i.groupName());
        }
        Optional<String> status = i.spotRequestStatus();
        if (status.isEmpty()) {
            return new Confirmed("EC2 reports " + id + " a running Spot instance in " + i.groupName()
                    + " (no Spot request reported: its status cannot be checked)");
        }
        if (!SPOT_TERMINATING_CODES.contains(status.get())) {
            return new NotConfirmed("EC2 reports " + id + "'s Spot request " + status.get()
                    + ", not an interruption that terminates it");
        }
        return new Confirmed("EC2 reports " + id + " a running Spot instance in " + i.groupName() + ", its request "
                + status.get());
    }
}
