package dev.raftlifecycle.contract;

/**
 * The Auto Scaling lifecycle events as EventBridge delivers them: source, detail-types and transitions. Used by the
 * handlers' parser, the CDK rules and the rig's and lab's event builders.
 */
public final class LifecycleEvents {
    public static final String SOURCE = "aws.autoscaling";
    public static final String TERMINATE_DETAIL_TYPE = "EC2 Instance-terminate Lifecycle Action";
    public static final String LAUNCH_DETAIL_TYPE = "EC2 Instance-launch Lifecycle Action";
    public static final String TERMINATING_TRANSITION = "autoscaling:EC2_INSTANCE_TERMINATING";
    public static final String LAUNCHING_TRANSITION = "autoscaling:EC2_INSTANCE_LAUNCHING";

    /**
     * The names of the cluster's lifecycle hooks as the CDK app creates them on each group (the handlers' defaults
     * for LAUNCH_HOOK_NAME and TERMINATE_HOOK_NAME: an event naming another hook is not this cluster's).
     */
    public static final String LAUNCH_HOOK_NAME = "raft-lifecycle-launch";
    public static final String TERMINATE_HOOK_NAME = "raft-lifecycle-terminate";

    /** The results a lifecycle action is completed with. */
    public static final String CONTINUE = "CONTINUE";
    public static final String ABANDON = "ABANDON";

    private LifecycleEvents() {
    }
}
