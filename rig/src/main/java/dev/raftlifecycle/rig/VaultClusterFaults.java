package dev.raftlifecycle.rig;

import dev.raftlifecycle.contract.LifecycleEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What happens to a running cluster's instances and nodes: restarts, retirements, replacements and terminations as
 * Auto Scaling or EC2 would do them, lifecycle actions opened as Auto Scaling opens them, and the heal that brings the
 * cluster back to its spec between tests.
 */
final class VaultClusterFaults {
    private final Rig rig;
    private final ClusterSpec spec;
    private final VaultClusterNodes nodes;
    private final VaultClusterChecks checks;
    private final VaultClusterStartup startup;

    VaultClusterFaults(Rig rig, ClusterSpec spec, VaultClusterNodes nodes, VaultClusterChecks checks,
                       VaultClusterStartup startup) {
        this.rig = rig;
        this.spec = spec;
        this.nodes = nodes;
        this.checks = checks;
        this.startup = startup;
    }

    // ---- nodes --------------------------------------------------------------------------------------

    /**
     * Takes an instance out for good, as a scale-in that this test does not want the handlers involved in:
     * remove-peer (root token), kill the process, terminate the instance lowering desired capacity.
     */
    void retire(String instanceId) {
        VaultNode node = nodes.get(instanceId);
        checks.admin("PUT", "sys/storage/raft/remove-peer", Map.of("server_id", instanceId));
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

    // ---- instance lifecycle in the emulator ---------------------------------------------------------

    /** Instance ids of a group, in service or pending. */
    List<String> groupInstanceIds(String group) {
        return RigGroups.instanceIds(rig, group);
    }

    /**
     * Terminates the instance through Auto Scaling without lowering desired capacity; the emulator launches
     * the replacement at once. Returns the replacement's instance id (no Vault process started yet).
     */
    String replaceInstance(String instanceId) {
        return replaceInstance(instanceId, nodes.get(instanceId).groupName());
    }

    /** As {@link #replaceInstance(String)}, for an instance of {@code group} that may have no Vault node at all. */
    String replaceInstance(String instanceId, String group) {
        return RigGroups.replace(rig, instanceId, group);
    }

    /**
     * Terminates an instance through Auto Scaling, lowering desired capacity (no replacement), kills its process (if it
     * has one: an instance launched without a node may be retired too) and forgets the node.
     */
    void retireInstance(String instanceId) {
        VaultNode node = nodes.find(instanceId);
        if (node != null) {
            node.kill();
        }
        rig.autoScaling().terminateInstanceInAutoScalingGroup(r -> r.instanceId(instanceId)
                .shouldDecrementDesiredCapacity(true));
        nodes.remove(instanceId);
    }

    /** Raises a group's desired capacity by one; returns the new instance id (no Vault process yet). */
    String launchInstance(String group) {
        return RigGroups.launchInstance(rig, group);
    }

    /** Tags every group of the cluster (not propagated to instances), as an operator or the CDK app would. */
    void tagGroups(String key, String value) {
        RigGroups.tag(rig, startup.groupNames(), key, value);
    }

    void untagGroups(String key) {
        RigGroups.untag(rig, startup.groupNames(), key);
    }

    /** Terminates the instance in EC2 directly (no Auto Scaling involvement, no replacement). */
    void terminateInEc2(String instanceId) {
        rig.ec2().terminateInstances(r -> r.instanceIds(instanceId));
    }

    // ---- lifecycle actions as Auto Scaling would open them ------------------------------------------

    /** Opens the terminate hook's lifecycle action for an instance (as Auto Scaling does on scale-in). */
    LifecycleRecorder.LifecycleAction openTermination(String instanceId) {
        return rig.recorder().open(nodes.get(instanceId).groupName(), RigGroups.terminateHook(spec.name()), instanceId,
                LifecycleEvents.TERMINATING_TRANSITION);
    }

    /** Opens the launch hook's lifecycle action for an instance of the given group. */
    LifecycleRecorder.LifecycleAction openLaunch(String groupName, String instanceId) {
        return rig.recorder().open(groupName, RigGroups.launchHook(spec.name()), instanceId,
                LifecycleEvents.LAUNCHING_TRANSITION);
    }

    /**
     * What Auto Scaling does after a terminate hook completes: the instance goes away (its Vault process is
     * killed) and the group launches a replacement instance. Returns the replacement's id (no Vault yet).
     */
    String finishTermination(String instanceId) {
        VaultNode node = nodes.get(instanceId);
        node.kill();
        String replacement = replaceInstance(instanceId);
        nodes.remove(instanceId);
        return replacement;
    }

    /**
     * Brings the cluster back to its spec: every node that is stopped or no longer in the Raft configuration
     * is killed, its instance replaced, a Vault process started for the replacement, and the replacement
     * awaited as a healthy voter. Used between tests that remove or kill nodes.
     */
    void heal(Duration timeout) {
        for (VaultNode node : nodes.all()) {
            rig.recorder().lifecycleState(node.instanceId(), null); // retained or waiting: in service again
        }
        Set<String> members = checks.raftNodeIds();
        // Stopped, no longer a peer, or its instance gone from the group (e.g. a group scaled to 0): replaced. The dead
        // first, and each peer removed before its process stops, so that every removal still has a quorum to commit.
        List<VaultNode> retiring = new ArrayList<>(nodes.all().stream().filter(node -> !node.running()
                || !members.contains(node.instanceId()) || !groupInstanceIds(node.groupName()).contains(node.instanceId()))
                .toList());
        retiring.sort(java.util.Comparator.comparing(VaultNode::running));
        for (VaultNode node : retiring) {
            if (members.contains(node.instanceId())) {
                try {
                    checks.admin("PUT", "sys/storage/raft/remove-peer", Map.of("server_id", node.instanceId()));
                } catch (RigException e) {
                    // no quorum to commit it: the later pass (or the test's failure report) shows it
                }
            }
            node.kill();
            if (groupInstanceIds(node.groupName()).contains(node.instanceId())) {
                RigGroups.retireForHeal(rig, node.instanceId(), node.groupName());
            }
            nodes.remove(node.instanceId());
        }
        List<String> groupNames = startup.groupNames();
        for (int i = 0; i < groupNames.size(); i++) {
            int capacity = spec.capacities().get(i);
            String group = groupNames.get(i);
            rig.recorder().clearDesiredCapacity(group);
            RigGroups.restore(rig, group, capacity);
        }
        List<String> started = new ArrayList<>();
        for (String group : groupNames) {
            for (String id : groupInstanceIds(group)) {
                if (!nodes.contains(id)) {
                    startup.startNode(id);
                    started.add(id);
                }
            }
        }
        for (String id : started) {
            checks.awaitVoter(id, timeout);
        }
        // Peers whose process is gone must leave the configuration too.
        for (String stale : checks.raftNodeIds()) {
            if (nodes.all().stream().noneMatch(n -> n.instanceId().equals(stale))) {
                checks.admin("PUT", "sys/storage/raft/remove-peer", Map.of("server_id", stale));
            }
        }
        checks.await("autopilot healthy after heal", timeout, () -> checks.autopilot().path("healthy").asBoolean(false)
                && checks.raftNodeIds().size() == spec.totalNodes());
    }
}
