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
 * @param privateDnsName the private DNS name EC2 reports for it (e.g. ip-10-0-1-5.ec2.internal); empty when EC2 reports
 *                       none (not described, or terminated and no longer reporting it)
 * @param launchTime     when EC2 says the instance was launched, if it says
 */
public record ClusterInstance(String instanceId, String groupName, String lifecycleState, String ec2State,
                              Optional<String> privateIp, String availabilityZone, String instanceLifecycle,
                              Optional<String> spotRequestStatus, Optional<String> launchTemplateVersion,
                              Optional<String> launchTemplateId, Optional<String> privateDnsName,
                              Optional<java.time.Instant> launchTime) {
    /** EC2's InstanceLifecycle of a Spot instance. */
    public static final String SPOT = "spot";

    /** An instance whose private DNS name and launch time are not known. */
    public ClusterInstance(String instanceId, String groupName, String lifecycleState, String ec2State,
                           Optional<String> privateIp, String availabilityZone, String instanceLifecycle,
                           Optional<String> spotRequestStatus, Optional<String> launchTemplateVersion,
                           Optional<String> launchTemplateId) {
        this(instanceId, groupName, lifecycleState, ec2State, privateIp, availabilityZone, instanceLifecycle,
                spotRequestStatus, launchTemplateVersion, launchTemplateId, Optional.empty(), Optional.empty());
    }

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
                instanceLifecycle, status, launchTemplateVersion, launchTemplateId, privateDnsName, launchTime);
    }

    /** The same instance with the private DNS name EC2 reports for it. */
    public ClusterInstance withPrivateDnsName(Optional<String> name) {
        return new ClusterInstance(instanceId, groupName, lifecycleState, ec2State, privateIp, availabilityZone,
                instanceLifecycle, spotRequestStatus, launchTemplateVersion, launchTemplateId, name, launchTime);
    }

    /** The same instance with the launch time EC2 reports for it. */
    public ClusterInstance withLaunchTime(Optional<java.time.Instant> at) {
        return new ClusterInstance(instanceId, groupName, lifecycleState, ec2State, privateIp, availabilityZone,
                instanceLifecycle, spotRequestStatus, launchTemplateVersion, launchTemplateId, privateDnsName, at);
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
