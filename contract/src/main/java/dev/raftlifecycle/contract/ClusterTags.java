package dev.raftlifecycle.contract;

/** Tags on the cluster's Auto Scaling groups (propagated to instances where it says so). */
public final class ClusterTags {
    /**
     * The cluster's name, on the groups and propagated to every instance: what Vault's {@code auto_join} looks for
     * and what the handlers' EC2 event rules match.
     */
    public static final String CLUSTER = "raft-lifecycle:cluster";

    private ClusterTags() {
    }
}
