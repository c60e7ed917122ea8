package dev.raftlifecycle.rig;

import dev.raftlifecycle.contract.LifecycleEvents;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.services.ec2.model.ResponseLaunchTemplateData;
import software.amazon.awssdk.services.ec2.model.SpotInstanceRequest;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.LifecycleState;
import java.util.List;

/**
 * A rig cluster's Auto Scaling side in the emulator: one subnet and group per zone, each with both lifecycle hooks.
 * A group of Spot instances ({@link ClusterSpec#spot(int)}) is what a group whose mixed instances policy asks for Spot
 * only would run: moto's groups launch on-demand instances only, so the rig requests each Spot instance itself
 * (RequestSpotInstances: EC2 reports it {@code InstanceLifecycle=spot}, with a fulfilled Spot request) and attaches it
 * to the group, for the first instances, launches and replacements alike.
 */
public final class RigGroups {
    /** The groups (names are unique in the emulator) whose instances are Spot instances. */
    private static final Set<String> SPOT_GROUPS = ConcurrentHashMap.newKeySet();

    private RigGroups() {
    }

    /** Whether the group runs Spot instances. */
    public static boolean spot(String group) {
        return SPOT_GROUPS.contains(group);
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
            boolean spot = spec.spot(i);
            rig.autoScaling().createAutoScalingGroup(r -> r.autoScalingGroupName(group)
                    .launchTemplate(t -> t.launchTemplateId(launchTemplateId).version("$Latest"))
                    .minSize(0).maxSize(Math.max(capacity * 2, 2)).desiredCapacity(spot ? 0 : capacity)
                    .vpcZoneIdentifier(subnetId)
                    .tags(t -> t.key(VaultCluster.CLUSTER_TAG).value(spec.name()).propagateAtLaunch(true)
                            .resourceId(group).resourceType("auto-scaling-group")));
            if (!spec.foreign()) {
                // A foreign cluster's groups were built without our hooks: adopting the cluster adds them.
                putHooks(rig, group, launchHook, terminateHook);
            }
            if (spot) {
                SPOT_GROUPS.add(group);
                if (capacity > 0) {
                    launchSpot(rig, group, capacity);
                }
            }
            groupNames.add(group);
        }
        return groupNames;
    }

    /**
     * Our launch and terminate hooks on a group (heartbeat 300 s), as the CDK app and the adopt stack create them; their
     * default result (what Auto Scaling does when no handler completes an action in time) is ABANDON, or CONTINUE for
     * handlers in shadow mode (the group then behaves as it did before the automation).
     */
    public static void putHooks(software.amazon.awssdk.services.autoscaling.AutoScalingClient autoScaling, String group,
                                String launchHook, String terminateHook, String defaultResult) {
        autoScaling.putLifecycleHook(r -> r.autoScalingGroupName(group).lifecycleHookName(launchHook)
                .lifecycleTransition(LifecycleEvents.LAUNCHING_TRANSITION).heartbeatTimeout(300)
                .defaultResult(defaultResult));
        autoScaling.putLifecycleHook(r -> r.autoScalingGroupName(group).lifecycleHookName(terminateHook)
                .lifecycleTransition(LifecycleEvents.TERMINATING_TRANSITION).heartbeatTimeout(300)
                .defaultResult(defaultResult));
    }

    private static void putHooks(Rig rig, String group, String launchHook, String terminateHook) {
        putHooks(rig.autoScaling(), group, launchHook, terminateHook, LifecycleEvents.ABANDON);
    }

    /**
     * Requests {@code count} Spot instances in the group's subnet from its launch template, tags them as the group's
     * instances are tagged at launch (the cluster tag), and attaches them to the group (which raises its desired
     * capacity by as many). Returns their ids.
     */
    static List<String> launchSpot(Rig rig, String group, int count) {
        AutoScalingGroup asg = rig.autoScaling().describeAutoScalingGroups(r -> r.autoScalingGroupNames(group))
                .autoScalingGroups().get(0);
        String subnet = asg.vpcZoneIdentifier().split(",")[0];
        ResponseLaunchTemplateData data = rig.ec2().describeLaunchTemplateVersions(r -> r
                        .launchTemplateId(asg.launchTemplate().launchTemplateId()).versions("$Latest"))
                .launchTemplateVersions().get(0).launchTemplateData();
        List<String> requests = rig.ec2().requestSpotInstances(r -> r.instanceCount(count).launchSpecification(l -> l
                        .imageId(data.imageId()).instanceType(data.instanceTypeAsString()).subnetId(subnet)))
                .spotInstanceRequests().stream().map(SpotInstanceRequest::spotInstanceRequestId).toList();
        List<String> ids = rig.ec2().describeSpotInstanceRequests(r -> r.spotInstanceRequestIds(requests))
                .spotInstanceRequests().stream().map(SpotInstanceRequest::instanceId).toList();
        if (ids.size() != count || ids.contains(null)) {
            throw new RigException("the emulator fulfilled " + ids + " of " + count + " Spot requests for " + group);
        }
        List<software.amazon.awssdk.services.ec2.model.Tag> tags = asg.tags().stream()
                .filter(t -> Boolean.TRUE.equals(t.propagateAtLaunch()))
                .map(t -> software.amazon.awssdk.services.ec2.model.Tag.builder().key(t.key()).value(t.value()).build())
                .toList();
        if (!tags.isEmpty()) {
            rig.ec2().createTags(r -> r.resources(ids).tags(tags));
        }
        rig.autoScaling().attachInstances(r -> r.autoScalingGroupName(group).instanceIds(ids));
        return ids;
    }

    /**
     * Terminates the instance through Auto Scaling without lowering desired capacity, as a completed termination
     * does: the group launches a replacement (a Spot group, a Spot one). Returns the replacement's id.
     */
    static String replace(Rig rig, String instanceId, String group) {
        Set<String> before = new HashSet<>(instanceIds(rig, group));
        if (spot(group)) {
            rig.autoScaling().terminateInstanceInAutoScalingGroup(r -> r.instanceId(instanceId)
                    .shouldDecrementDesiredCapacity(true));
            return launchSpot(rig, group, 1).get(0);
        }
        rig.autoScaling().terminateInstanceInAutoScalingGroup(r -> r.instanceId(instanceId)
                .shouldDecrementDesiredCapacity(false));
        return instanceIds(rig, group).stream().filter(id -> !before.contains(id)).findFirst()
                .orElseThrow(() -> new RigException("the emulator launched no replacement for " + instanceId));
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

    /**
     * Takes an instance out for good while healing a cluster: terminated through Auto Scaling; {@link #restore}
     * brings the group back to its capacity afterwards.
     */
    static void retireForHeal(Rig rig, String instanceId, String group) {
        rig.autoScaling().terminateInstanceInAutoScalingGroup(r -> r.instanceId(instanceId)
                .shouldDecrementDesiredCapacity(spot(group)));
    }

    /**
     * The group at {@code capacity} again. A Spot group: the on-demand instances moto's group launched on its own
     * (it replaces a member EC2 terminated, always on-demand) go, and Spot instances are requested for what is missing.
     */
    static void restore(Rig rig, String group, int capacity) {
        if (spot(group)) {
            List<String> members = instanceIds(rig, group);
            List<String> onDemand = members.isEmpty() ? List.of() : rig.ec2().describeInstances(r -> r.instanceIds(members))
                    .reservations().stream().flatMap(r -> r.instances().stream())
                    .filter(i -> i.instanceLifecycle() == null).map(i -> i.instanceId()).toList();
            for (String id : onDemand) {
                rig.autoScaling().terminateInstanceInAutoScalingGroup(r -> r.instanceId(id)
                        .shouldDecrementDesiredCapacity(true));
            }
            int missing = capacity - (members.size() - onDemand.size());
            if (missing > 0) {
                launchSpot(rig, group, missing);
            }
            return;
        }
        rig.autoScaling().updateAutoScalingGroup(r -> r.autoScalingGroupName(group).desiredCapacity(capacity));
    }

    /** Raises a group's desired capacity by one; returns the new instance id (no server process yet). */
    static String launchInstance(Rig rig, String group) {
        if (spot(group)) {
            return launchSpot(rig, group, 1).get(0);
        }
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
