package dev.raftlifecycle.rig;

import dev.raftlifecycle.contract.LifecycleEvents;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.LifecycleState;
import java.util.List;

/** A rig cluster's Auto Scaling side in the emulator: one subnet and group per zone, each with both lifecycle hooks. */
public final class RigGroups {
    private RigGroups() {
    }

    /** Creates the groups (named {@code <cluster>-<zone letter>}) and returns their names. */
    static List<String> create(Rig rig, ClusterSpec spec, int octet, String vpcId, String launchTemplateId,
                               String launchHook, String terminateHook) {
        List<String> groupNames = new ArrayList<>();
        for (int i = 0; i < spec.zones().size(); i++) {
            String zone = spec.zones().get(i);
            String cidr = "127." + octet + "." + (i + 1) + ".0/24";
            String subnetId = rig.ec2().createSubnet(r -> r.vpcId(vpcId).cidrBlock(cidr).availabilityZone(zone))
                    .subnet().subnetId();
            String group = spec.name() + "-" + zone.substring(zone.length() - 1);
            int capacity = spec.capacities().get(i);
            rig.autoScaling().createAutoScalingGroup(r -> r.autoScalingGroupName(group)
                    .launchTemplate(t -> t.launchTemplateId(launchTemplateId).version("$Latest"))
                    .minSize(0).maxSize(Math.max(capacity * 2, 2)).desiredCapacity(capacity)
                    .vpcZoneIdentifier(subnetId)
                    .tags(t -> t.key(VaultCluster.CLUSTER_TAG).value(spec.name()).propagateAtLaunch(true)
                            .resourceId(group).resourceType("auto-scaling-group")));
            rig.autoScaling().putLifecycleHook(r -> r.autoScalingGroupName(group).lifecycleHookName(launchHook)
                    .lifecycleTransition(LifecycleEvents.LAUNCHING_TRANSITION).heartbeatTimeout(300)
                    .defaultResult("ABANDON"));
            rig.autoScaling().putLifecycleHook(r -> r.autoScalingGroupName(group).lifecycleHookName(terminateHook)
                    .lifecycleTransition(LifecycleEvents.TERMINATING_TRANSITION).heartbeatTimeout(300)
                    .defaultResult("ABANDON"));
            groupNames.add(group);
        }
        return groupNames;
    }

    /** The launch hook's name for a cluster. */
    public static String launchHook(String cluster) {
        return cluster + "-launch";
    }

    /** The terminate hook's name for a cluster. */
    public static String terminateHook(String cluster) {
        return cluster + "-terminate";
    }

    /** Instance ids of a group, in service or pending. */
    static List<String> instanceIds(Rig rig, String group) {
        AutoScalingGroup asg = rig.autoScaling().describeAutoScalingGroups(r -> r.autoScalingGroupNames(group))
                .autoScalingGroups().get(0);
        return asg.instances().stream()
                .filter(i -> i.lifecycleState() == LifecycleState.IN_SERVICE || i.lifecycleState() == LifecycleState.PENDING)
                .map(i -> i.instanceId()).toList();
    }

    /** Raises a group's desired capacity by one; returns the new instance id (no server process yet). */
    static String launchInstance(Rig rig, String group) {
        Set<String> before = new HashSet<>(instanceIds(rig, group));
        AutoScalingGroup asg = rig.autoScaling().describeAutoScalingGroups(r -> r.autoScalingGroupNames(group))
                .autoScalingGroups().get(0);
        rig.autoScaling().setDesiredCapacity(r -> r.autoScalingGroupName(group).desiredCapacity(asg.desiredCapacity() + 1));
        return instanceIds(rig, group).stream().filter(id -> !before.contains(id)).findFirst()
                .orElseThrow(() -> new RigException("the emulator launched no instance in " + group));
    }

    /** Tags each group (not propagated to instances), as an operator declaring something about the cluster. */
    static void tag(Rig rig, List<String> groups, String key, String value) {
        for (String group : groups) {
            rig.autoScaling().createOrUpdateTags(r -> r.tags(t -> t.key(key).value(value).propagateAtLaunch(false)
                    .resourceId(group).resourceType("auto-scaling-group")));
        }
    }

    static void untag(Rig rig, List<String> groups, String key) {
        for (String group : groups) {
            rig.autoScaling().deleteTags(r -> r.tags(t -> t.key(key).resourceId(group).resourceType("auto-scaling-group")));
        }
    }
}
