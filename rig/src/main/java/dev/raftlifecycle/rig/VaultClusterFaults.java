package dev.raftlifecycle.rig;

import java.util.Map;

/**
 * Vault's own faults beside the instances' ({@link ClusterInstances}): a node taken out for good with its peer removed
 * by the root token, and a node restarted with its data.
 */
final class VaultClusterFaults {
    private final Rig rig;
    private final ClusterNodes<VaultNode> nodes;
    private final VaultClusterChecks checks;

    VaultClusterFaults(Rig rig, ClusterNodes<VaultNode> nodes, VaultClusterChecks checks) {
        this.rig = rig;
        this.nodes = nodes;
        this.checks = checks;
    }

    /**
     * Takes an instance out for good, as a scale-in that this test does not want the handlers involved in:
     * remove-peer (root token), kill the process, terminate the instance lowering desired capacity.
     */
    void retire(String instanceId) {
        VaultNode node = nodes.get(instanceId);
        checks.admin("PUT", "sys/storage/raft/remove-peer", Map.of("server_id", node.nodeId()));
        node.kill();
        rig.autoScaling().terminateInstanceInAutoScalingGroup(r -> r.instanceId(instanceId)
                .shouldDecrementDesiredCapacity(true));
        nodes.remove(instanceId);
    }

    /** Restarts a node's process with the same configuration and data (as a reboot would). */
    void restartNode(String instanceId) {
        VaultNode node = nodes.get(instanceId);
        node.restart();
        checks.awaitListening(node);
    }
}
