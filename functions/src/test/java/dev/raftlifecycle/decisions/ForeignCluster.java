package dev.raftlifecycle.decisions;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A cluster built the way other tools build them, for decision tests: node_ids that are UUIDs (or hostnames), Raft
 * addresses given as the instances' private DNS names. Every node starts as a running, InService, healthy voter of
 * group g-a..g-c, launched an hour ago and stable for ten minutes; the first one leads.
 */
final class ForeignCluster {
    static final Instant NOW = Fixtures.NOW;
    static final List<String> GROUPS = Fixtures.GROUPS;

    /** One node: the instance and what Raft calls it. */
    static final class Node {
        final String instanceId;
        String nodeId;
        String address;
        String ip;
        String dns;
        String ec2State = "running";
        String lifecycle = "InService";
        boolean inRaft = true;
        boolean leader;
        boolean voter = true;
        boolean autopilotHealthy = true;
        NodeHealth.State answer = NodeHealth.State.STANDBY;
        Instant launched = NOW.minus(Duration.ofHours(1));
        Instant stableSince = NOW.minus(Duration.ofMinutes(10));
        boolean inGroups = true;

        Node(String instanceId, String nodeId, String ip) {
            this.instanceId = instanceId;
            this.nodeId = nodeId;
            this.ip = ip;
            this.dns = "ip-" + ip.replace('.', '-') + ".ec2.internal";
            this.address = dns + ":8201";
        }
    }

    final List<Node> nodes = new ArrayList<>();
    final List<RaftPeer> extraPeers = new ArrayList<>();
    /** What the observer's probe of a peer at its own address answered, by node id. */
    final Map<String, NodeHealth> peerHealth = new HashMap<>();

    static ForeignCluster ofThree() {
        ForeignCluster c = new ForeignCluster();
        c.add("i-0aaaaaaaaaaaaaaa1", "3f2b9c1e-5d0a-4c7e-9a51-0c2d6f1e8b71", "10.0.1.5").leader = true;
        c.add("i-0bbbbbbbbbbbbbbb2", "3f2b9c1e-5d0a-4c7e-9a51-0c2d6f1e8b72", "10.0.1.6");
        c.add("i-0ccccccccccccccc3", "3f2b9c1e-5d0a-4c7e-9a51-0c2d6f1e8b73", "10.0.1.7");
        return c;
    }

    Node add(String instanceId, String nodeId, String ip) {
        Node n = new Node(instanceId, nodeId, ip);
        nodes.add(n);
        return n;
    }

    Node node(String instanceId) {
        return nodes.stream().filter(n -> n.instanceId.equals(instanceId)).findFirst().orElseThrow();
    }

    ClusterSnapshot build() {
        List<RaftPeer> peers = new ArrayList<>();
        Map<String, AutopilotServer> servers = new HashMap<>();
        List<String> voters = new ArrayList<>();
        String leader = "";
        List<ClusterInstance> instances = new ArrayList<>();
        Map<String, NodeHealth> health = new LinkedHashMap<>();
        int[] desired = new int[GROUPS.size()];
        int n = 0;
        for (Node node : nodes) {
            String group = GROUPS.get(n % GROUPS.size());
            n++;
            if (node.inRaft) {
                RaftPeer p = new RaftPeer(node.nodeId, node.address, node.leader, node.voter);
                peers.add(p);
                String status = node.leader ? "leader" : node.voter ? "voter" : "non-voter";
                servers.put(node.nodeId, new AutopilotServer(node.nodeId, node.address,
                        node.autopilotHealthy ? "alive" : "failed", node.leader ? Duration.ZERO
                        : node.autopilotHealthy ? Duration.ofMillis(50) : Duration.ofSeconds(30), 3, 100,
                        node.autopilotHealthy, Optional.ofNullable(node.stableSince), status, "1.14.10"));
                if (node.voter) {
                    voters.add(node.nodeId);
                }
                if (node.leader) {
                    leader = node.nodeId;
                }
            }
            if (node.instanceId == null) {
                continue;
            }
            if (node.inGroups && !node.lifecycle.startsWith("Terminating") && node.ec2State.equals("running")) {
                desired[(n - 1) % GROUPS.size()]++;
            }
            instances.add(new ClusterInstance(node.instanceId, node.inGroups ? group : "", node.lifecycle, node.ec2State,
                    Optional.ofNullable(node.ip), "zone-" + group, "", Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.ofNullable(node.dns), Optional.ofNullable(node.launched)));
            if ("running".equals(node.ec2State) && node.ip != null) {
                health.put(node.instanceId, node.answer == NodeHealth.State.UNREACHABLE
                        ? NodeHealth.unreachable(node.instanceId, node.ip, "connection refused")
                        : new NodeHealth(node.instanceId, node.ip, node.answer, Optional.of("1.14.10"), "HTTP"));
            }
        }
        peers.addAll(extraPeers);
        ClusterView view = new ClusterView(peers, new AutopilotState(true, 0, leader, voters, servers),
                new AutopilotSettings(Duration.ofSeconds(10), Duration.ofSeconds(10)));
        List<GroupState> groups = new ArrayList<>();
        for (int g = 0; g < GROUPS.size(); g++) {
            // Groups that retain an abandoned instance (as our stacks and the adopt walk-through set them).
            groups.add(new GroupState(GROUPS.get(g), desired[g], Map.of())
                    .withTerminateHookAbandon(Optional.of(RetainPolicy.RETAIN)));
        }
        Optional<String> via = nodes.stream().filter(x -> x.leader).findFirst().map(x -> x.ip);
        return new ClusterSnapshot(GROUPS, groups, instances, NOW, health, peerHealth, NOW, Optional.of(view), via,
                Optional.of(NOW), java.util.Set.of(), 1, false);
    }
}
