package dev.raftlifecycle.decisions;

import java.util.Optional;

/**
 * An instance of one of the cluster's Auto Scaling groups, joined with EC2's view of it.
 *
 * @param lifecycleState Auto Scaling's lifecycle state, e.g. InService, Pending:Wait, Terminating:Wait,
 *                       Terminating:Retained ("" when the instance is in none of the groups)
 * @param ec2State       EC2's instance state name, e.g. running, shutting-down, terminated; "unknown" when EC2 did not
 *                       describe it
 * @param instanceLifecycle EC2's InstanceLifecycle: {@value #SPOT}, scheduled, or "" for an on-demand instance
 * @param spotRequestStatus the status code of the instance's Spot request, when it was asked for and EC2 reports one
 * @param launchTemplateVersion the launch template version the instance was launched with, as Auto Scaling reports
 *                              it; empty when it reports none (or the instance is in none of the groups)
 * @param launchTemplateId the launch template (lt-...) the instance was launched from, when Auto Scaling reports it
 */
public record ClusterInstance(String instanceId, String groupName, String lifecycleState, String ec2State,
                              Optional<String> privateIp, String availabilityZone, String instanceLifecycle,
                              Optional<String> spotRequestStatus, Optional<String> launchTemplateVersion,
                              Optional<String> launchTemplateId) {
    /** EC2's InstanceLifecycle of a Spot instance. */
    public static final String SPOT = "spot";

    /** An instance whose launch template id is not known. */
    public ClusterInstance(String instanceId, String groupName, String lifecycleState, String ec2State,
                           Optional<String> privateIp, String availabilityZone, String instanceLifecycle,
                           Optional<String> spotRequestStatus, Optional<String> launchTemplateVersion) {
        this(instanceId, groupName, lifecycleState, ec2State, privateIp, availabilityZone, instanceLifecycle,
                spotRequestStatus, launchTemplateVersion, Optional.empty());
    }

    /** An instance whose launch template version is not known. */
    public ClusterInstance(String instanceId, String groupName, String lifecycleState, String ec2State,
                           Optional<String> privateIp, String availabilityZone, String instanceLifecycle,
                           Optional<String> spotRequestStatus) {
        this(instanceId, groupName, lifecycleState, ec2State, privateIp, availabilityZone, instanceLifecycle,
                spotRequestStatus, Optional.empty());
    }

    /** An on-demand instance (no Spot request). */
    public ClusterInstance(String instanceId, String groupName, String lifecycleState, String ec2State,
                           Optional<String> privateIp, String availabilityZone) {
        this(instanceId, groupName, lifecycleState, ec2State, privateIp, availabilityZone, "", Optional.empty());
    }

    /** The same instance with its Spot request's status. */
    public ClusterInstance withSpotRequestStatus(Optional<String> status) {
        return new ClusterInstance(instanceId, groupName, lifecycleState, ec2State, privateIp, availabilityZone,
                instanceLifecycle, status, launchTemplateVersion, launchTemplateId);
    }

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
