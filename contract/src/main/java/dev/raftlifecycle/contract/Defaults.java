package dev.raftlifecycle.contract;

/**
 * Defaults the handlers' Settings and the CDK app's ClusterConfig share: one place, so a deployment with no context
 * value behaves as the handler documentation says.
 */
public final class Defaults {
    /** Heartbeat interval while a handler waits (the hooks' heartbeat timeout is at least twice this). */
    public static final int HEARTBEAT_SECONDS = 60;
    /** Time kept free before the Lambda deadline to complete the action. */
    public static final int SAFETY_MARGIN_SECONDS = 10;
    /** The launching handler's verification budget. */
    public static final int LAUNCH_MAX_WAIT_SECONDS = 600;
    /** How long a peer whose instance EC2 does not know is left before the reconciler removes it. */
    public static final int STALE_GRACE_SECONDS = 300;
    /** The reconciler removes stale peers ("remove") or only reports them ("report"). */
    public static final String RECONCILE_MODE = "remove";

    private Defaults() {
    }
}
