package dev.raftlifecycle.decisions;

import java.util.Optional;

/**
 * An instance of one of the cluster's Auto Scaling groups, joined with EC2's view of it.
 *
 * @param lifecycleState Auto Scaling's lifecycle state, e.g. InService, Pending:Wait, Terminating:Wait
 * @param ec2State       EC2's instance state name, e.g. running, terminated
 */
public record ClusterInstance(String instanceId, String groupName, String lifecycleState, String ec2State,
                              Optional<String> privateIp, String availabilityZone) {

    /** Running or pending in EC2: a node that may be serving. */
    public boolean running() {
        return "running".equals(ec2State) || "pending".equals(ec2State);
    }

    /** On its way out (Terminating, Terminating:Wait, Terminating:Proceed). */
    public boolean terminating() {
        return lifecycleState != null && lifecycleState.startsWith("Terminating");
    }
}
