package dev.raftlifecycle.decisions;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Everything one invocation observed, taken once and never changed: the input of every decision. Each part says
 * when it was read, because what was true then may already be false: the decisions treat an old autopilot flag as
 * weaker evidence than a node's own answer in this invocation.
 *
 * @param expectedGroups      the group names the handler is configured with (a group missing from the describe
 *                            is unknown, never "empty")
 * @param groups              the groups as described (desired capacity, tags)
 * @param instances           every instance of the groups in any lifecycle state (including Terminating* and
 *                            retained ones), joined with EC2's state and IP; plus the invocation's subject instance
 *                            if it is in none of the groups
 * @param groupsReadAt        when the groups and EC2 were described
 * @param health              each running instance's own sys/health, by instance id
 * @param peerHealth          sys/health of peers that match no instance (probed at the peer's host), by node id
 * @param healthReadAt        when the health probes ran
 * @param view                the Raft configuration and autopilot state, if a read succeeded
 * @param via                 the address the view was read through
 * @param viewReadAt          when the view was read
 * @param readFailures        why view reads failed in the last attempt
 * @param attempts            observation attempts made
 * @param initializedRecorded the cluster was seen initialized before (recorded in the lock table): it never goes
 *                            back to "uninitialized"
 * @param certificates        what a new client made of each probed node's certificate, by instance id (or node id for
 *                            a peer probed at its host); a REFUSED one is already TLS_FAILURE in {@code health}
 */
public record ClusterSnapshot(List<String> expectedGroups, List<GroupState> groups, List<ClusterInstance> instances,
                              Instant groupsReadAt, Map<String, NodeHealth> health, Map<String, NodeHealth> peerHealth,
                              Instant healthReadAt, Optional<ClusterView> view, Optional<String> via,
                              Optional<Instant> viewReadAt, Set<ReadFailure> readFailures, int attempts,
                              boolean initializedRecorded, Map<String, CertificateCheck> certificates) {

    /** A snapshot without certificate checks (the decisions' tests; observers always check). */
    public ClusterSnapshot(List<String> expectedGroups, List<GroupState> groups, List<ClusterInstance> instances,
                           Instant groupsReadAt, Map<String, NodeHealth> health, Map<String, NodeHealth> peerHealth,
                           Instant healthReadAt, Optional<ClusterView> view, Optional<String> via,
                           Optional<Instant> viewReadAt, Set<ReadFailure> readFailures, int attempts,
                           boolean initializedRecorded) {
        this(expectedGroups, groups, instances, groupsReadAt, health, peerHealth, healthReadAt, view, via, viewReadAt,
                readFailures, attempts, initializedRecorded, Map.of());
    }

    public ClusterSnapshot {
        certificates = Map.copyOf(certificates);
        expectedGroups = List.copyOf(expectedGroups);
        groups = List.copyOf(groups);
        instances = List.copyOf(instances);
        health = Map.copyOf(health);
        peerHealth = Map.copyOf(peerHealth);
        readFailures = Set.copyOf(readFailures);
    }

    public Optional<ClusterInstance> instance(String instanceId) {
        return instances.stream().filter(i -> i.instanceId().equals(instanceId)).findFirst();
    }

    /** Instances EC2 reports running or pending: the ones that may be serving. */
    public List<ClusterInstance> runningInstances() {
        return instances.stream().filter(ClusterInstance::running).toList();
    }

    /** Sum of the groups' desired capacity: how many servers the cluster is meant to have. */
    public int expectedServers() {
        return groups.stream().mapToInt(GroupState::desiredCapacity).sum();
    }

    /**
     * What the node behind a peer answered in this invocation: its instance's probe; else the probe of its own host;
     * else, for a peer not named after an instance, the probe of the one running instance at its address whose id no
     * peer carries (the same node under another name).
     */
    public Optional<NodeHealth> healthOfPeer(String nodeId) {
        Optional<NodeHealth> direct = Optional.ofNullable(health.get(nodeId)).or(() -> Optional.ofNullable(peerHealth.get(nodeId)));
        if (direct.isPresent() || view.isEmpty()) {
            return direct;
        }
        Optional<RaftPeer> peer = view.get().peer(nodeId);
        if (peer.isEmpty()) {
            return Optional.empty();
        }
        Set<String> peerIds = view.get().peers().stream().map(RaftPeer::nodeId).collect(Collectors.toSet());
        List<ClusterInstance> atHost = runningInstances().stream()
                .filter(i -> i.privateIp().map(peer.get().host()::equals).orElse(false)).toList();
        if (atHost.size() != 1 || peerIds.contains(atHost.get(0).instanceId())) {
            return Optional.empty();
        }
        return Optional.ofNullable(health.get(atHost.get(0).instanceId()));
    }

    /** Private IPs of the running instances other than the given one. */
    public Set<String> otherRunningIps(String instanceId) {
        return runningInstances().stream().filter(i -> !i.instanceId().equals(instanceId))
                .flatMap(i -> i.privateIp().stream()).collect(Collectors.toSet());
    }

    /** The same snapshot with the cluster recorded as initialized (once any handler saw it so). */
    public ClusterSnapshot withInitializedRecorded() {
        return new ClusterSnapshot(expectedGroups, groups, instances, groupsReadAt, health, peerHealth, healthReadAt,
                view, via, viewReadAt, readFailures, attempts, true, certificates);
    }
}
