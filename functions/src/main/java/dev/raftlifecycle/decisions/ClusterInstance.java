package dev.raftlifecycle.decisions;

import java.util.Optional;

/**
 * An instance of one of the cluster's Auto Scaling groups, joined with EC2's view of it.
 *
 * @param lifecycleState Auto Scaling's lifecycle state, e.g. InService, Pending:Wait, Terminating:Wait,
 *                       Terminating:Retained ("" when the instance is in none of the groups)
 * @param ec2State       EC2's instance state name, e.g. running, shutting-down, terminated; "unknown" when EC2 did not
 *                       describe it
 */
public record ClusterInstance(String instanceId, String groupName, String lifecycleState, String ec2State,
                              Optional<String> privateIp, String availabilityZone) {

    /** Running or pending in EC2: a node that may be serving, whatever its lifecycle state. */
    public boolean running() {
        return "running".equals(ec2State) || "pending".equals(ec2State);
    }

    /** On its way out (Terminating, Terminating:Wait, Terminating:Proceed) or kept after an ABANDON. */
    public boolean terminating() {
        return lifecycleState != null && lifecycleState.startsWith("Terminating");
    }

    /** Kept by the group's instance lifecycle policy after its terminate action was abandoned (still running). */
    public boolean retained() {
        return "Terminating:Retained".equals(lifecycleState);
    }

    public boolean inService() {
        return "InService".equals(lifecycleState);
    }

    public boolean pending() {
        return lifecycleState != null && lifecycleState.startsWith("Pending");
    }
}
