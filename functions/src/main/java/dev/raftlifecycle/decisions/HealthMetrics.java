package dev.raftlifecycle.decisions;

import dev.raftlifecycle.contract.MetricName;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The publisher's metrics from one observation. When the cluster's own view could not be read, the
 * metrics that need it are left out (CloudWatch sees missing data) while LeaderPresent is published as 0
 * together with what the node probes showed: a silent publisher must not look like a healthy cluster.
 */
public final class HealthMetrics {
    private HealthMetrics() {
    }

    /**
     * Every instance the groups count (in service, pending, terminating: not yet terminated in Auto Scaling's
     * eyes) is a node the cluster should hear from; one that is not running or was not probed counts as unreachable.
     */
    static List<NodeHealth> counted(ClusterSnapshot s) {
        List<NodeHealth> out = new ArrayList<>();
        for (ClusterInstance i : s.instances()) {
            if (i.inService() || i.pending() || i.terminating()) {
                out.add(Optional.ofNullable(s.health().get(i.instanceId()))
                        .orElse(NodeHealth.unreachable(i.instanceId(), i.privateIp().orElse(""), "not probed")));
            }
        }
        return out;
    }

    /**
     * @param fates the Raft peers classified against EC2 (empty without a view)
     */
    public static List<MetricValue> compute(ClusterSnapshot s, List<StalePeers.PeerFate> fates, SafetyRules rules) {
        List<MetricValue> out = new ArrayList<>();
        List<NodeHealth> nodes = counted(s);
        boolean leader = s.view().map(ClusterView::leaderPresent).orElse(false);
        out.add(new MetricValue(MetricName.LEADER_PRESENT, leader ? 1 : 0));
        out.add(new MetricValue(MetricName.SEALED_NODES, nodes.stream().filter(NodeHealth::sealed).count()));
        out.add(new MetricValue(MetricName.UNINITIALIZED_NODES,
                nodes.stream().filter(n -> n.state() == NodeHealth.State.UNINITIALIZED).count()));
        out.add(new MetricValue(MetricName.UNREACHABLE_NODES, nodes.stream().filter(n -> !n.answered()).count()));
        // Each answering node's own version; a node whose answer carries none (Consul's) by autopilot's record of it.
        out.add(new MetricValue(MetricName.VERSION_COUNT, nodes.stream().filter(NodeHealth::answered)
                .map(n -> n.version().or(() -> s.view().flatMap(v -> v.autopilot().server(n.instanceId()))
                        .map(AutopilotServer::version).filter(v -> !v.isEmpty())))
                .flatMap(Optional::stream).distinct().count()));
        out.add(new MetricValue(MetricName.EXPECTED_SERVERS, s.expectedServers()));
        // Groups that would let an abandoned instance go: while above 0 the handlers remove no peer (RetainPolicy).
        out.add(new MetricValue(MetricName.GROUPS_WITHOUT_RETAIN_POLICY, RetainPolicy.judge(s).names().size()));
        outdatedInstances(s).ifPresent(n -> out.add(new MetricValue(MetricName.OUTDATED_INSTANCES, n)));
        // A new client's view of every probed node's certificate (what pooled connections can no longer show).
        // By address: a node probed both as an instance and as a peer at its host is one node.
        out.add(new MetricValue(MetricName.TLS_FAILURES, s.certificates().values().stream()
                .filter(CertificateCheck::refused).map(CertificateCheck::address).distinct().count()));
        s.certificates().values().stream().flatMap(c -> c.daysLeft(s.healthReadAt()).stream()).min(Long::compare)
                .ifPresent(days -> out.add(new MetricValue(MetricName.CERTIFICATE_DAYS_LEFT, days)));
        // What the nodes answer now, not the lock table's memory of an initialized cluster (a cluster rebuilt from empty
        // disks answers 501 everywhere and is 0 here, as the init-window alarm needs).
        ClusterSnapshot answersOnly = s.initializedRecorded() ? new ClusterSnapshot(s.expectedGroups(), s.groups(),
                s.instances(), s.groupsReadAt(), s.health(), s.peerHealth(), s.healthReadAt(), s.view(), s.via(),
                s.viewReadAt(), s.readFailures(), s.attempts(), false, s.certificates()) : s;
        switch (ClusterInitialization.judge(answersOnly, Optional.empty())) {
            case INITIALIZED -> out.add(new MetricValue(MetricName.CLUSTER_INITIALIZED, 1));
            case UNINITIALIZED -> out.add(new MetricValue(MetricName.CLUSTER_INITIALIZED, 0));
            case UNKNOWN -> { } // not enough answers to say: missing data, not a guess
        }
        if (s.view().isEmpty()) {
            return out;
        }
        ClusterView view = s.view().get();
        AutopilotState autopilot = view.autopilot();
        List<RaftPeer> peers = view.peers();
        Set<String> voters = peers.stream().filter(RaftPeer::voter).map(RaftPeer::nodeId).collect(Collectors.toSet());
        out.add(new MetricValue(MetricName.RAFT_PEERS, peers.size()));
        out.add(new MetricValue(MetricName.VOTERS, voters.size()));
        out.add(new MetricValue(MetricName.NON_VOTERS, peers.size() - voters.size()));
        // The same judgement as the quorum guard: autopilot healthy, answering now, and in recent contact.
        out.add(new MetricValue(MetricName.HEALTHY_VOTERS, HealthyVoters.of(s, rules).size()));
        out.add(new MetricValue(MetricName.AUTOPILOT_HEALTHY, autopilot.healthy() ? 1 : 0));
        out.add(new MetricValue(MetricName.FAILURE_TOLERANCE, autopilot.failureTolerance()));
        String leaderId = view.leader().map(RaftPeer::nodeId).orElse(autopilot.leader());
        out.add(new MetricValue(MetricName.MAX_LAST_CONTACT_MS, autopilot.servers().values().stream()
                .filter(server -> !server.id().equals(leaderId))
                .mapToLong(server -> server.lastContact().toMillis()).max().orElse(0)));
        long leaderIndex = autopilot.server(leaderId).map(AutopilotServer::lastIndex).orElse(0L);
        long lowestHealthyFollower = autopilot.servers().values().stream()
                .filter(server -> !server.id().equals(leaderId) && server.healthy())
                .mapToLong(AutopilotServer::lastIndex).min().orElse(leaderIndex);
        out.add(new MetricValue(MetricName.MAX_INDEX_LAG, Math.max(0, leaderIndex - lowestHealthyFollower)));
        out.add(new MetricValue(MetricName.STALE_PEERS, fates.stream().filter(StalePeers.PeerFate::stale).count()));
        Set<String> initializedAndRunning = nodes.stream().filter(NodeHealth::initialized)
                .map(NodeHealth::instanceId).collect(Collectors.toSet());
        out.add(new MetricValue(MetricName.MISSING_PEERS, s.instances().stream()
                .filter(ClusterInstance::running)
                .filter(i -> !i.terminating())
                .filter(i -> initializedAndRunning.contains(i.instanceId()))
                // Not a member as every handler matches (PeerMatch: node_id, else its private IP or private DNS name);
                // an ambiguous or unmatchable match may be a member and is told by the status and the handlers.
                .filter(i -> s.peerMatch(i.instanceId()) instanceof PeerMatch.NotMember)
                .count()));
        return out;
    }

    /**
     * InService instances not launched from their group's launch template version, counted over the groups that name
     * their version by number; empty when none does ($Latest and $Default say nothing an instance can be compared
     * with). Another version, no version, or the same number of another template (a stack that replaced its template
     * starts again at 1) counts; a template id Auto Scaling does not give on either side counts as the same.
     */
    static Optional<Long> outdatedInstances(ClusterSnapshot s) {
        Map<String, GroupState> numbered = new java.util.HashMap<>();
        s.groups().stream().filter(g -> g.launchTemplateVersion().filter(v -> v.matches("\\d+")).isPresent())
                .forEach(g -> numbered.put(g.name(), g));
        if (numbered.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(s.instances().stream().filter(ClusterInstance::inService)
                .filter(i -> numbered.containsKey(i.groupName()))
                .filter(i -> {
                    GroupState g = numbered.get(i.groupName());
                    return !LaunchTemplates.sameAsGroups(g.launchTemplateId().orElse(null),
                            g.launchTemplateVersion().orElse(null), i.launchTemplateId().orElse(null),
                            i.launchTemplateVersion().orElse(null));
                })
                .count());
    }
}
