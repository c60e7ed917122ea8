package dev.raftlifecycle.rig;

import dev.raftlifecycle.contract.LifecycleEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceType;

/**
 * The instances' side of a rig cluster, the same for every system: the groups' instances in the emulator, lifecycle
 * actions opened as Auto Scaling opens them, terminations, replacements and retirements as Auto Scaling or EC2 does
 * them, and the heal that brings a cluster back to its spec between tests. The system's own calls (the Raft
 * configuration, removing a peer, starting a server) come from the cluster it serves.
 */
final class ClusterInstances<N extends RaftNode> {
    private final Rig rig;
    private final ClusterSpec spec;
    private final ClusterNodes<N> nodes;
    private final List<String> groupNames = new ArrayList<>();
    private RaftCluster cluster;

    ClusterInstances(Rig rig, ClusterSpec spec, ClusterNodes<N> nodes) {
        this.rig = rig;
        this.spec = spec;
        this.nodes = nodes;
    }

    /** The cluster whose Raft calls the heal uses (set once it exists). */
    void serve(RaftCluster cluster) {
        this.cluster = cluster;
    }

    /**
     * The emulator's side of a new cluster: a VPC on 127.{octet}.0.0/16, a launch template (IMDSv2 only) and the
     * groups, one per zone, with both hooks (a foreign cluster's: without our hooks and without the retain policy).
     */
    void createInfrastructure(int octet, String launchTemplateName) {
        String vpcId = rig.ec2().createVpc(r -> r.cidrBlock("127." + octet + ".0.0/16")).vpc().vpcId();
        String template = rig.ec2().createLaunchTemplate(r -> r.launchTemplateName(launchTemplateName)
                .launchTemplateData(d -> d.imageId("ami-12c6146b").instanceType(InstanceType.T3_SMALL)
                        .metadataOptions(m -> m.httpTokens("required").httpPutResponseHopLimit(1))))
                .launchTemplate().launchTemplateId();
        groupNames.addAll(RigGroups.create(rig, spec, octet, vpcId, template, launchHook(), terminateHook()));
        if (spec.foreign()) {
            // Built by another tool: no instance lifecycle policy on the groups (adopting them sets it).
            groupNames.forEach(group -> rig.recorder().terminateHookAbandon(group, null));
        }
    }

    /**
     * The instances as EC2 describes them (an instance given a former instance's address by
     * {@link #launchInstanceAtAddressOf}: at that address, as the front shows it).
     */
    List<Instance> describe(List<String> instanceIds) {
        if (instanceIds.isEmpty()) {
            return List.of();
        }
        return rig.ec2().describeInstances(r -> r.instanceIds(instanceIds)).reservations().stream()
                .flatMap(r -> r.instances().stream())
                .map(i -> reusedAddresses.containsKey(i.instanceId()) ? reusedAddresses.get(i.instanceId()).apply(i) : i)
                .toList();
    }

    /** Instances shown at a former instance's address: how to show each. */
    private final java.util.Map<String, java.util.function.UnaryOperator<Instance>> reusedAddresses =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Raises the group's desired capacity by one, as {@link #launchInstance}, and has EC2 show the new instance at the
     * address {@code formerInstanceId} had (its private IP and the private DNS name EC2 reported for it): EC2 gives a
     * terminated instance's address to a later instance of the subnet; moto never does. The former instance must be
     * terminated and its server gone. Returns the new instance's id (no server process yet).
     */
    String launchInstanceAtAddressOf(String group, String formerInstanceId) {
        Instance former = describe(formerInstanceId);
        String state = former.state().nameAsString();
        if (!"terminated".equals(state) || nodes.find(formerInstanceId) != null) {
            throw new RigException(formerInstanceId + " is " + state + (nodes.find(formerInstanceId) != null
                    ? " and still has a server" : "") + ": its address is not free to reuse");
        }
        String id = launchInstance(group);
        Instance real = rig.ec2().describeInstances(r -> r.instanceIds(id)).reservations().get(0).instances().get(0);
        String ip = former.privateIpAddress();
        String dns = former.privateDnsName();
        rig.recorder().showAddress(id, real.privateIpAddress(), real.privateDnsName(), ip, dns);
        reusedAddresses.put(id, i -> i.toBuilder().privateIpAddress(ip).privateDnsName(dns).build());
        return id;
    }

    /** One instance as EC2 describes it. */
    Instance describe(String instanceId) {
        return describe(List.of(instanceId)).stream().findFirst()
                .orElseThrow(() -> new RigException("EC2 does not know " + instanceId));
    }

    /** The group Auto Scaling tagged the instance with ("?" if none). */
    static String groupOf(Instance instance) {
        return instance.tags().stream().filter(t -> t.key().equals("aws:autoscaling:groupName"))
                .map(t -> t.value()).findFirst().orElse("?");
    }

    /** Where a node of this instance keeps its data, configuration and log. */
    java.nio.file.Path nodeDir(String instanceId) {
        return rig.workDir().resolve(spec.name()).resolve("nodes").resolve(instanceId);
    }

    List<String> groupNames() {
        return List.copyOf(groupNames);
    }

    String launchHook() {
        return RigGroups.launchHook(spec.name());
    }

    String terminateHook() {
        return RigGroups.terminateHook(spec.name());
    }

    List<String> groupInstanceIds(String group) {
        return RigGroups.instanceIds(rig, group);
    }

    /** Every instance of the groups, group by group. */
    List<String> allInstanceIds() {
        List<String> out = new ArrayList<>();
        groupNames.forEach(g -> out.addAll(groupInstanceIds(g)));
        return out;
    }

    String launchInstance(String group) {
        return RigGroups.launchInstance(rig, group);
    }

    String replaceInstance(String instanceId) {
        return replaceInstance(instanceId, nodes.get(instanceId).groupName());
    }

    /** As {@link #replaceInstance(String)}, for an instance of {@code group} that may have no node at all. */
    String replaceInstance(String instanceId, String group) {
        return RigGroups.replace(rig, instanceId, group);
    }

    /**
     * Terminates an instance through Auto Scaling, lowering desired capacity (no replacement), kills its process (if it
     * has one: an instance launched without a node may be retired too) and forgets the node.
     */
    void retireInstance(String instanceId) {
        N node = nodes.find(instanceId);
        if (node != null) {
            node.kill();
        }
        rig.autoScaling().terminateInstanceInAutoScalingGroup(r -> r.instanceId(instanceId)
                .shouldDecrementDesiredCapacity(true));
        nodes.remove(instanceId);
    }

    void terminateInEc2(String instanceId) {
        rig.ec2().terminateInstances(r -> r.instanceIds(instanceId));
    }

    void tagGroups(String key, String value) {
        RigGroups.tag(rig, groupNames, key, value);
    }

    void untagGroups(String key) {
        RigGroups.untag(rig, groupNames, key);
    }

    LifecycleRecorder.LifecycleAction openTermination(String instanceId) {
        return rig.recorder().open(nodes.get(instanceId).groupName(), terminateHook(), instanceId,
                LifecycleEvents.TERMINATING_TRANSITION);
    }

    LifecycleRecorder.LifecycleAction openLaunch(String groupName, String instanceId) {
        return rig.recorder().open(groupName, launchHook(), instanceId, LifecycleEvents.LAUNCHING_TRANSITION);
    }

    String finishTermination(String instanceId) {
        N node = nodes.get(instanceId);
        node.kill();
        String replacement = replaceInstance(instanceId);
        nodes.remove(instanceId);
        return replacement;
    }

    /**
     * Every node that is stopped, no longer in the Raft configuration or gone from its group is killed (its peer
     * removed first while a quorum can commit it), its instance retired and replaced, a server started for each
     * replacement and awaited as a healthy voter; then peers without a process are removed and autopilot must call the
     * cluster healthy with the spec's server count.
     */
    void heal(Duration timeout) {
        for (N node : nodes.all()) {
            rig.recorder().lifecycleState(node.instanceId(), null); // retained or waiting: in service again
        }
        Set<String> peers = cluster.raftNodeIds();
        // The dead first, and each peer removed before its process stops, so that every removal still has a quorum.
        List<N> retiring = new ArrayList<>(nodes.all().stream().filter(node -> !node.running()
                || !peers.contains(node.nodeId()) || !groupInstanceIds(node.groupName()).contains(node.instanceId()))
                .toList());
        retiring.sort(Comparator.comparing(RaftNode::running));
        for (N node : retiring) {
            String id = node.instanceId();
            if (peers.contains(node.nodeId())) {
                try {
                    cluster.removePeer(id);
                } catch (RigException e) {
                    // no quorum to commit it: the later pass (or the test's failure report) shows it
                }
            }
            node.kill();
            if (groupInstanceIds(node.groupName()).contains(id)) {
                RigGroups.retireForHeal(rig, id, node.groupName());
            }
            nodes.remove(id);
        }
        for (int i = 0; i < groupNames.size(); i++) {
            String group = groupNames.get(i);
            rig.recorder().clearDesiredCapacity(group);
            RigGroups.restore(rig, group, spec.capacities().get(i));
        }
        List<String> started = new ArrayList<>();
        for (String id : allInstanceIds()) {
            if (!nodes.contains(id)) {
                cluster.startNode(id);
                started.add(id);
            }
        }
        for (String id : started) {
            cluster.awaitVoter(id, timeout);
        }
        // Peers whose process is gone must leave the configuration too.
        for (String stale : cluster.raftNodeIds()) {
            if (nodes.all().stream().noneMatch(n -> n.nodeId().equals(stale))) {
                cluster.removePeer(stale);
            }
        }
        cluster.await("autopilot healthy after heal", timeout, () -> cluster.autopilotHealthy()
                && cluster.raftNodeIds().size() == spec.totalNodes());
    }
}
