package dev.raftlifecycle.contract;

/** Tags on the cluster's Auto Scaling groups (propagated to instances where it says so). */
public final class ClusterTags {
    /**
     * The cluster's name, on the groups and propagated to every instance: what Vault's {@code auto_join} looks for
     * and what the handlers' EC2 event rules match.
     */
    public static final String CLUSTER = "raft-lifecycle:cluster";
    /**
     * Set to {@code true} on <em>every</em> group of the cluster (the CDK context value {@code decommission} does it)
     * to declare that the whole cluster is being taken down: only then may a termination bypass the quorum guard
     * while some group still has capacity. One group alone carrying it changes nothing.
     */
    public static final String DECOMMISSION = "raft-lifecycle:decommission";
    public static final String DECOMMISSION_VALUE = "true";

    /**
     * Set to {@code off} on a group to have the health publisher leave its health-check type alone (an operator
     * holding a group on EC2 checks during an incident).
     */
    public static final String ELB_HEALTH_CHECKS = "raft-lifecycle:elb-health-checks";
    public static final String ELB_HEALTH_CHECKS_OFF = "off";

    private ClusterTags() {
    }
}
