package dev.raftlifecycle.decisions;

import java.util.List;

/**
 * Which groups to switch to the load balancer's health checks. The groups are deployed with EC2 checks only: on a
 * first deploy the nodes are uninitialized, fail the load balancer's check, and ELB checks would have the groups
 * replace them in a loop. Once the cluster has been seen initialized (for good: see {@link ClusterInitialization})
 * every group that does not use ELB checks yet is switched; never back.
 */
public final class HealthCheckSwitch {
    public static final String ELB = "ELB";

    private HealthCheckSwitch() {
    }

    /** @param wanted whether the deployment asks for ELB health checks at all */
    public static List<String> groupsToSwitch(ClusterSnapshot snapshot, boolean wanted) {
        if (!wanted || ClusterInitialization.judge(snapshot, java.util.Optional.empty()) != ClusterInitialization.INITIALIZED) {
            return List.of();
        }
        return snapshot.groups().stream().filter(g -> !ELB.equals(g.healthCheckType())).map(GroupState::name).toList();
    }
}
