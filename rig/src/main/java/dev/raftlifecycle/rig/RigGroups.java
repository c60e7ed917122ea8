package dev.raftlifecycle.rig;

import dev.raftlifecycle.contract.LifecycleEvents;
import java.util.ArrayList;
import java.util.List;

/** A rig cluster's Auto Scaling side in the emulator: one subnet and group per zone, each with both lifecycle hooks. */
final class RigGroups {
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
}
