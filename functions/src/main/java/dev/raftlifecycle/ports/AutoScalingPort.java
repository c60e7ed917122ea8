package dev.raftlifecycle.ports;

import dev.raftlifecycle.decisions.RollEvidence;
import dev.raftlifecycle.decisions.RollStep;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.InstanceLifecyclePolicy;
import software.amazon.awssdk.services.autoscaling.model.InstanceRefresh;
import software.amazon.awssdk.services.autoscaling.model.LaunchTemplate;
import software.amazon.awssdk.services.autoscaling.model.LaunchTemplateSpecification;
import software.amazon.awssdk.services.autoscaling.model.MixedInstancesPolicy;
import software.amazon.awssdk.services.autoscaling.model.RefreshStrategy;
import software.amazon.awssdk.services.autoscaling.model.RetentionTriggers;

/**
 * The Auto Scaling calls the handlers make (describe the groups, heartbeat and complete lifecycle actions), through
 * the SDK's generated client. It returns what Auto Scaling said and leaves its meaning to the caller, with one
 * exception defined here: "No active Lifecycle Action found" is an action that already ended.
 */
public final class AutoScalingPort {
    private final Lazy<AutoScalingClient> client;

    public AutoScalingPort(AutoScalingClient client) {
        this(Lazy.ready(client));
    }

    /** With the client built at its first call. */
    public AutoScalingPort(Lazy<AutoScalingClient> client) {
        this.client = client;
    }

    /** Builds the client now (SnapStart priming: into the snapshot, not after the restore). */
    public void warm() {
        client.get();
    }

    /** Whether the client has been built. */
    public boolean built() {
        return client.built();
    }

    /**
     * A group's capacity, tags and instances (id, lifecycle state, AZ, launch template version).
     *
     * @param capacityRebalance     whether the group replaces Spot instances at elevated risk on its own
     * @param healthCheckType       EC2 or ELB
     * @param launchTemplateVersion the version the group launches with (its LaunchTemplate's, else its
     *                              MixedInstancesPolicy's), as Auto Scaling says it: a number, $Latest or $Default;
     *                              empty when the group names no launch template
     * @param terminateHookAbandon  InstanceLifecyclePolicy.RetentionTriggers.TerminateHookAbandon as Auto Scaling says
     *                              it (retain, terminate, or a value this SDK does not know); empty when the answer
     *                              has no instance lifecycle policy, no retention triggers or no such value
     */
    public record Group(String name, int desiredCapacity, Map<String, String> tags, List<Member> members,
                        boolean capacityRebalance, String healthCheckType, int minSize, int maxSize,
                        Optional<String> launchTemplateVersion, Optional<String> launchTemplateId,
                        Optional<String> terminateHookAbandon) {
    }

    /**
     * @param launchTemplateVersion the version the instance was launched with, when Auto Scaling reports one
     * @param healthStatus          Auto Scaling's health status (Healthy, Unhealthy), "" when it gives none
     * @param launchTemplateId      the launch template the instance was launched from, when Auto Scaling reports one
     */
    public record Member(String instanceId, String lifecycleState, String availabilityZone,
                         Optional<String> launchTemplateVersion, String healthStatus, Optional<String> launchTemplateId) {
    }

    /** The groups of these names that exist (every page of DescribeAutoScalingGroups). */
    public List<Group> describe(List<String> groupNames) {
        List<Group> groups = new ArrayList<>();
        client.get().describeAutoScalingGroupsPaginator(r -> r.autoScalingGroupNames(groupNames)).autoScalingGroups()
                .forEach(g -> groups.add(toGroup(g)));
        return groups;
    }

    private static Group toGroup(AutoScalingGroup g) {
        List<Member> members = g.instances().stream()
                .map(i -> new Member(i.instanceId(), i.lifecycleStateAsString() == null ? "" : i.lifecycleStateAsString(),
                        i.availabilityZone() == null ? "" : i.availabilityZone(),
                        Optional.ofNullable(i.launchTemplate()).map(LaunchTemplateSpecification::version),
                        i.healthStatus() == null ? "" : i.healthStatus(),
                        Optional.ofNullable(i.launchTemplate()).map(LaunchTemplateSpecification::launchTemplateId)))
                .toList();
        Map<String, String> tags = new HashMap<>();
        g.tags().forEach(t -> tags.put(t.key(), t.value() == null ? "" : t.value()));
        Optional<LaunchTemplateSpecification> template = Optional.ofNullable(g.launchTemplate())
                .or(() -> Optional.ofNullable(g.mixedInstancesPolicy()).map(MixedInstancesPolicy::launchTemplate)
                        .map(LaunchTemplate::launchTemplateSpecification));
        return new Group(g.autoScalingGroupName(), g.desiredCapacity() == null ? 0 : g.desiredCapacity(), tags, members,
                Boolean.TRUE.equals(g.capacityRebalance()), g.healthCheckType() == null ? "EC2" : g.healthCheckType(),
                g.minSize() == null ? 0 : g.minSize(), g.maxSize() == null ? 0 : g.maxSize(),
                template.map(LaunchTemplateSpecification::version),
                template.map(LaunchTemplateSpecification::launchTemplateId),
                Optional.ofNullable(g.instanceLifecyclePolicy()).map(InstanceLifecyclePolicy::retentionTriggers)
                        .map(RetentionTriggers::terminateHookAbandonAsString));
    }

    /** The outcome of completing a lifecycle action. */
    public enum Completion {
        COMPLETED,
        /** "No active Lifecycle Action found": completed before (duplicate delivery) or timed out. */
        ALREADY_ENDED
    }

    /** @throws software.amazon.awssdk.core.exception.SdkException any other failure: what became of it is unknown */
    public Completion complete(String group, String hook, String token, String instanceId, String result) {
        try {
            client.get().completeLifecycleAction(r -> r.autoScalingGroupName(group).lifecycleHookName(hook)
                    .lifecycleActionToken(token).instanceId(instanceId).lifecycleActionResult(result));
            return Completion.COMPLETED;
        } catch (AwsServiceException e) {
            if (isNoActiveAction(e)) {
                return Completion.ALREADY_ENDED;
            }
            throw e;
        }
    }

    /**
     * Records a heartbeat; returns false if the action has already ended.
     *
     * @throws software.amazon.awssdk.core.exception.SdkException any other failure (throttling, a network error, a
     *                                                             refusal): nothing is known of the action then
     */
    public boolean heartbeat(String group, String hook, String token, String instanceId) {
        try {
            client.get().recordLifecycleActionHeartbeat(r -> r.autoScalingGroupName(group).lifecycleHookName(hook)
                    .lifecycleActionToken(token).instanceId(instanceId));
            return true;
        } catch (AwsServiceException e) {
            if (isNoActiveAction(e)) {
                return false;
            }
            throw e;
        }
    }

    // The roll's calls (scripts/rolling-upgrade).

    /**
     * The groups of these names that exist, as the roll reads them: sizes, the launch template version the group
     * launches with (the group's own, else its mixed instances policy's) and each instance's. A version Auto Scaling
     * does not give is null.
     */
    public List<RollStep.Group> describeForRoll(List<String> groupNames) {
        return describe(groupNames).stream().map(g -> new RollStep.Group(g.name(), g.minSize(), g.maxSize(),
                g.desiredCapacity(), g.launchTemplateVersion().orElse(null), g.members().stream()
                .map(m -> new RollStep.Member(m.instanceId(), m.lifecycleState(), m.launchTemplateVersion().orElse(null),
                        m.healthStatus().isEmpty() ? null : m.healthStatus(), m.launchTemplateId().orElse(null)))
                .toList(), g.launchTemplateId().orElse(null))).toList();
    }

    /** SetDesiredCapacity to an absolute value, without honouring the cooldown (the roll waits on its own). */
    public void setDesiredCapacity(String group, int desired) {
        client.get().setDesiredCapacity(r -> r.autoScalingGroupName(group).desiredCapacity(desired).honorCooldown(false));
    }

    /** TerminateInstanceInAutoScalingGroup with ShouldDecrementDesiredCapacity: no replacement is launched. */
    public void terminateDecrementing(String instanceId) {
        client.get().terminateInstanceInAutoScalingGroup(r -> r.instanceId(instanceId)
                .shouldDecrementDesiredCapacity(true));
    }

    /**
     * The group's latest scaling activities (one page of up to 50, newest first), each labelled with its own
     * AutoScalingGroupName (the group asked about only when the answer leaves it out).
     */
    public List<RollEvidence.Activity> activities(String group) {
        return client.get().describeScalingActivities(r -> r.autoScalingGroupName(group).maxRecords(50)).activities()
                .stream().map(a -> new RollEvidence.Activity(a.activityId(),
                        a.autoScalingGroupName() == null ? group : a.autoScalingGroupName(), a.startTime(),
                        a.statusCodeAsString(), a.statusMessage(), a.description())).toList();
    }

    /** An instance refresh as DescribeInstanceRefreshes reports it. */
    public record Refresh(String id, String status, Integer percentageComplete, String statusReason) {
    }

    /** The group's latest instance refresh, if any. */
    public Optional<Refresh> latestRefresh(String group) {
        return client.get().describeInstanceRefreshes(r -> r.autoScalingGroupName(group).maxRecords(1))
                .instanceRefreshes().stream().findFirst().map(AutoScalingPort::toRefresh);
    }

    /** One instance refresh by id. */
    public Optional<Refresh> refresh(String group, String id) {
        return client.get().describeInstanceRefreshes(r -> r.autoScalingGroupName(group).instanceRefreshIds(id))
                .instanceRefreshes().stream().findFirst().map(AutoScalingPort::toRefresh);
    }

    private static Refresh toRefresh(InstanceRefresh r) {
        return new Refresh(r.instanceRefreshId(), r.statusAsString(), r.percentageComplete(), r.statusReason());
    }

    /**
     * StartInstanceRefresh, launch before terminate: MinHealthyPercentage 100, MaxHealthyPercentage 200, instances
     * already on the group's template skipped, Standby and scale-in protected instances waited for.
     */
    public String startInstanceRefresh(String group, int instanceWarmupSeconds) {
        return client.get().startInstanceRefresh(r -> r.autoScalingGroupName(group).strategy(RefreshStrategy.ROLLING)
                .preferences(p -> p.minHealthyPercentage(100).maxHealthyPercentage(200)
                        .instanceWarmup(instanceWarmupSeconds).skipMatching(true)
                        .scaleInProtectedInstances("Wait").standbyInstances("Wait"))).instanceRefreshId();
    }

    public void cancelInstanceRefresh(String group) {
        client.get().cancelInstanceRefresh(r -> r.autoScalingGroupName(group));
    }

    static boolean isNoActiveAction(AwsServiceException e) {
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        String message = e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage();
        return "ValidationError".equals(code) && message != null && message.contains("No active Lifecycle Action found");
    }
}
