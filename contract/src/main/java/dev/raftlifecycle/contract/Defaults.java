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
    /** How long one canary operation may take before it counts as failed (the availability SLO's budget). */
    public static final int CANARY_TIMEOUT_MS = 2000;
    /** The latency SLO: a canary operation within this is fast enough. */
    public static final int CANARY_LATENCY_OBJECTIVE_MS = 500;
    /** The launching handler's verification budget. */
    public static final int LAUNCH_MAX_WAIT_SECONDS = 600;
    /**
     * How long a peer whose instance EC2 does not know is left before the reconciler removes it (EC2 is eventually
     * consistent: a new instance can be missing from DescribeInstances for a while). A peer whose instance EC2 reports
     * shutting-down or terminated is not given this grace: those states are final.
     */
    public static final int STALE_GRACE_SECONDS = 300;
    /** A rebalance recommendation is only counted and logged ("count"), or treated as an interruption warning. */
    public static final String REBALANCE_ACTION = "count";
    public static final String REBALANCE_AS_INTERRUPTION = "interruption";
    /** The reconciler removes stale peers ("remove") or only reports them ("report"). */
    public static final String RECONCILE_MODE = "remove";
    /** The handlers act (MODE=active, the default) or only observe, decide and log (MODE=shadow, see MetricName). */
    public static final String MODE = "active";
    /** MODE=shadow: never remove a peer or step a leader down; complete every lifecycle action with CONTINUE at once. */
    public static final String MODE_SHADOW = "shadow";

    /**
     * How long a handler keeps looking at AWS's answer before it drops an event whose claim AWS does not confirm (the
     * describe calls are eventually consistent: a genuine event can arrive a moment before they show it).
     */
    public static final int CLAIM_SETTLE_SECONDS = 15;

    /** Minutes between scheduled snapshots (context snapshotIntervalMinutes; 0 = no schedule, on demand only). */
    public static final int SNAPSHOT_INTERVAL_MINUTES = 60;
    /** Days a snapshot object (and a noncurrent version) is kept (context snapshotRetentionDays). */
    public static final int SNAPSHOT_RETENTION_DAYS = 30;
    /** The key prefix under which a cluster's snapshots are written: {@code <prefix><cluster>/}. */
    public static final String SNAPSHOT_KEY_PREFIX = "snapshots/";
    /** The S3 multipart part size the snapshot function streams with (S3's minimum is 5 MiB). */
    public static final int SNAPSHOT_PART_BYTES = 8 * 1024 * 1024;

    private Defaults() {
    }
}
