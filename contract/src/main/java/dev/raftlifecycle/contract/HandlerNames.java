package dev.raftlifecycle.contract;

/** Lambda handler strings, shared with the CDK app (and checked against the jar by its tests). */
public final class HandlerNames {
    public static final String TERMINATING = "dev.raftlifecycle.handlers.TerminatingHandler::handleRequest";
    public static final String LAUNCHING = "dev.raftlifecycle.handlers.LaunchingHandler::handleRequest";
    public static final String PUBLISHER = "dev.raftlifecycle.handlers.HealthPublisherHandler::handleRequest";
    public static final String RECONCILER = "dev.raftlifecycle.handlers.ReconcilerHandler::handleRequest";
    public static final String INTERRUPTION = "dev.raftlifecycle.handlers.InterruptionHandler::handleRequest";
    public static final String SNAPSHOT = "dev.raftlifecycle.handlers.SnapshotHandler::handleRequest";

    /**
     * The alias every function of the stack is deployed and invoked through (its SnapStart-published version):
     * event sources, the operator's status and snapshot invokes ({@code --qualifier live}) and the IAM that allows
     * them ({@code function:NAME:live}) all name it.
     */
    public static final String ALIAS_NAME = "live";

    /** The handlers' short names: their decision lines' "handler" field, their roles and their lock-table access. */
    public static final String TERMINATING_NAME = "terminating";
    public static final String LAUNCHING_NAME = "launching";
    public static final String PUBLISHER_NAME = "publisher";
    public static final String RECONCILER_NAME = "reconciler";
    public static final String INTERRUPTION_NAME = "interruption";
    /** The snapshot function: not in {@link #ALL_NAMES} (it takes no lock and mutates nothing in the cluster). */
    public static final String SNAPSHOT_NAME = "snapshot";
    public static final java.util.List<String> ALL_NAMES = java.util.List.of(TERMINATING_NAME, LAUNCHING_NAME,
            PUBLISHER_NAME, RECONCILER_NAME, INTERRUPTION_NAME);

    /**
     * JAVA_TOOL_OPTIONS the CDK app gives the functions: C1 only. These handlers are short and I/O-bound, so the
     * C2 compiler's later gains never pay back its start-up work; scripts/bench terminating measures the difference.
     */
    public static final String JAVA_TOOL_OPTIONS = "-XX:+TieredCompilation -XX:TieredStopAtLevel=1";

    private HandlerNames() {
    }
}
