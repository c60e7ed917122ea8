package dev.raftlifecycle.contract;

import java.util.List;

/**
 * The EC2 events EventBridge delivers about instances dying outside the lifecycle hooks: source, detail-types, the
 * states that are final, and the Spot interruption's actions. Used by the handlers' parser, the CDK rules and the
 * lab's event builders.
 */
public final class Ec2Events {
    public static final String SOURCE = "aws.ec2";
    public static final String STATE_CHANGE_DETAIL_TYPE = "EC2 Instance State-change Notification";
    public static final String SPOT_INTERRUPTION_DETAIL_TYPE = "EC2 Spot Instance Interruption Warning";
    public static final String REBALANCE_DETAIL_TYPE = "EC2 Instance Rebalance Recommendation";

    /** EC2 states from which an instance never comes back: its peer can go at once (quorum rules still apply). */
    public static final String SHUTTING_DOWN = "shutting-down";
    public static final String TERMINATED = "terminated";
    public static final List<String> FINAL_STATES = List.of(SHUTTING_DOWN, TERMINATED);

    /** The Spot interruption action that ends the instance (stop and hibernate keep it). */
    public static final String SPOT_TERMINATE = "terminate";

    /** The Spot request status code EC2 sets when it schedules an interruption (the warning goes out with it). */
    public static final String SPOT_MARKED_FOR_TERMINATION = "marked-for-termination";

    /** The scheduled run's event (EventBridge Scheduler / scheduled rule). */
    public static final String SCHEDULE_SOURCE = "aws.events";
    public static final String SCHEDULED_DETAIL_TYPE = "Scheduled Event";

    private Ec2Events() {
    }

    public static boolean isFinal(String ec2State) {
        return FINAL_STATES.contains(ec2State);
    }
}
