package dev.raftlifecycle.events;

/**
 * An event about an instance from EC2 (or the reconciler's schedule), as EventBridge delivers it. Each names its
 * EventBridge id (duplicates share it) and the account it comes from.
 */
public sealed interface Ec2Event {

    String eventId();

    String account();

    /** The reconciler's schedule (or a manual invocation with an empty event): reconcile everything. */
    record Scheduled(String eventId, String account) implements Ec2Event {
    }

    /** "EC2 Instance State-change Notification": the instance entered {@code state}. */
    record StateChange(String eventId, String account, String instanceId, String state) implements Ec2Event {
        /** shutting-down or terminated: the instance never comes back. */
        public boolean isFinal() {
            return dev.raftlifecycle.contract.Ec2Events.isFinal(state);
        }
    }

    /**
     * "EC2 Spot Instance Interruption Warning": the instance will be interrupted two minutes after {@code time} (the
     * event's time, when it has one).
     */
    record SpotInterruption(String eventId, String account, String instanceId, String instanceAction,
                            java.util.Optional<java.time.Instant> time) implements Ec2Event {
        /** The instance will be terminated (not stopped or hibernated). */
        public boolean terminates() {
            return dev.raftlifecycle.contract.Ec2Events.SPOT_TERMINATE.equals(instanceAction);
        }
    }

    /** "EC2 Instance Rebalance Recommendation": the instance is at elevated risk of interruption. */
    record RebalanceRecommendation(String eventId, String account, String instanceId) implements Ec2Event {
    }

    /** The instance the event is about (none for the schedule). */
    default java.util.Optional<String> subject() {
        return switch (this) {
            case Scheduled s -> java.util.Optional.empty();
            case StateChange c -> java.util.Optional.of(c.instanceId());
            case SpotInterruption i -> java.util.Optional.of(i.instanceId());
            case RebalanceRecommendation r -> java.util.Optional.of(r.instanceId());
        };
    }
}
