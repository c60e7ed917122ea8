package dev.raftlifecycle.ports;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Auto Scaling calls the handlers make (describe the groups, set a group's health-check type, heartbeat and
 * complete lifecycle actions), in the Query protocol through {@link AwsQuery}.
 */
public final class AutoScalingPort {
    /** The Auto Scaling API version the requests name. */
    public static final String API_VERSION = "2011-01-01";
    private final AwsQuery autoScaling;

    public AutoScalingPort(AwsQuery autoScaling) {
        this.autoScaling = autoScaling;
    }

    /**
     * A group's desired capacity, tags and instances (id, lifecycle state, AZ).
     *
     * @param capacityRebalance whether the group replaces Spot instances at elevated risk on its own
     * @param healthCheckType   EC2 or ELB
     */
    public record Group(String name, int desiredCapacity, Map<String, String> tags, List<Member> members,
                        boolean capacityRebalance, String healthCheckType) {
    }

    public record Member(String instanceId, String lifecycleState, String availabilityZone) {
    }

    /** The groups of these names that exist (every page of DescribeAutoScalingGroups). */
    public List<Group> describe(List<String> groupNames) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (int i = 0; i < groupNames.size(); i++) {
            parameters.put("AutoScalingGroupNames.member." + (i + 1), groupNames.get(i));
        }
        List<Group> groups = new ArrayList<>();
        autoScaling.pages("DescribeAutoScalingGroups", parameters, "DescribeAutoScalingGroupsResult", "NextToken")
                .forEach(page -> groups.addAll(groups(result(page, "DescribeAutoScalingGroups"))));
        return groups;
    }

    /** The groups of one DescribeAutoScalingGroupsResult. */
    static List<Group> groups(XmlElement result) {
        List<Group> groups = new ArrayList<>();
        for (XmlElement g : result.items("AutoScalingGroups", "member")) {
            List<Member> instances = g.items("Instances", "member").stream()
                    .map(i -> new Member(i.text("InstanceId").orElse(""), i.text("LifecycleState").orElse(""),
                            i.text("AvailabilityZone").orElse(""))).toList();
            Map<String, String> tags = new HashMap<>();
            g.items("Tags", "member").forEach(t -> t.text("Key").ifPresent(k -> tags.put(k, t.text("Value").orElse(""))));
            groups.add(new Group(g.text("AutoScalingGroupName").orElseThrow(
                    () -> new IllegalArgumentException("Auto Scaling described a group without a name")),
                    g.text("DesiredCapacity").map(Integer::parseInt).orElse(0), tags, instances,
                    g.text("CapacityRebalance").map(Boolean::parseBoolean).orElse(false),
                    g.text("HealthCheckType").orElse("EC2")));
        }
        return groups;
    }

    /** The {@code <Action>Result} element of an answer (an answer with an empty result has none: an empty one). */
    private static XmlElement result(XmlElement response, String action) {
        return response.child(action + "Result").orElse(new XmlElement(action + "Result", "", List.of()));
    }

    /** UpdateAutoScalingGroup of the health-check type only (ELB: replace what the load balancer finds unhealthy). */
    public void setHealthCheckType(String group, String healthCheckType) {
        autoScaling.call("UpdateAutoScalingGroup", Map.of("AutoScalingGroupName", group, "HealthCheckType", healthCheckType));
    }

    /** The outcome of completing a lifecycle action. */
    public enum Completion {
        COMPLETED,
        /** "No active Lifecycle Action found": completed before (duplicate delivery) or timed out. */
        ALREADY_ENDED
    }

    public Completion complete(String group, String hook, String token, String instanceId, String result) {
        Map<String, String> parameters = action(group, hook, token, instanceId);
        parameters.put("LifecycleActionResult", result);
        try {
            autoScaling.call("CompleteLifecycleAction", parameters);
            return Completion.COMPLETED;
        } catch (AwsCallException e) {
            if (isNoActiveAction(e)) {
                return Completion.ALREADY_ENDED;
            }
            throw e;
        }
    }

    /** Records a heartbeat; returns false if the action has already ended. */
    public boolean heartbeat(String group, String hook, String token, String instanceId) {
        try {
            autoScaling.call("RecordLifecycleActionHeartbeat", action(group, hook, token, instanceId));
            return true;
        } catch (AwsCallException e) {
            if (isNoActiveAction(e)) {
                return false;
            }
            throw e;
        }
    }

    private static Map<String, String> action(String group, String hook, String token, String instanceId) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("AutoScalingGroupName", group);
        parameters.put("LifecycleHookName", hook);
        parameters.put("LifecycleActionToken", token);
        parameters.put("InstanceId", instanceId);
        return parameters;
    }

    static boolean isNoActiveAction(AwsCallException e) {
        return "ValidationError".equals(e.code()) && e.errorMessage().contains("No active Lifecycle Action found");
    }
}
