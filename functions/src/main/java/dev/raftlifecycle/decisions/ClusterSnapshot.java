package dev.raftlifecycle.decisions;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

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
     * What the node behind a peer answered in this invocation: when the peer is an instance ({@link PeerMatch#owner}:
     * by node_id, else by its address naming one instance's private IP or private DNS name), that instance's probe (at
     * its private IP); else the probe of the peer's own host (taken only for an IP address no running instance owns).
     */
    public Optional<NodeHealth> healthOfPeer(String nodeId) {
        Optional<NodeHealth> own = Optional.ofNullable(peerHealth.get(nodeId));
        Optional<RaftPeer> peer = view.flatMap(v -> v.peer(nodeId));
        if (peer.isEmpty()) {
            return Optional.ofNullable(health.get(nodeId)).or(() -> own);
        }
        return ownerOf(peer.get()).flatMap(o -> Optional.ofNullable(health.get(o.instance().instanceId()))).or(() -> own);
    }

    /** The peer of an instance in this snapshot's Raft configuration ({@link PeerMatch#find}). */
    public PeerMatch peerMatch(String instanceId) {
        return PeerMatch.find(instanceId, view.map(ClusterView::peers).orElse(List.of()), instances);
    }

    /** The instance a peer of this snapshot's configuration is, if one can be told ({@link PeerMatch#owner}). */
    public Optional<PeerMatch.Owner> ownerOf(RaftPeer peer) {
        return PeerMatch.owner(peer, view.map(ClusterView::peers).orElse(List.of()), instances);
    }

    /**
     * A running instance whose address the peer's host names, whose own answer in this look is an unsealed member's,
     * and whose address no other peer of the configuration names; neither the instance the peer is named after nor
     * {@code besides}. The peer is then most likely that instance's live server under another instance's name (node_ids
     * swapped or copied by a config template), whatever EC2 says of the instance it is named after. A new instance that
     * reused the address of a gone one is not such a thing: Raft keeps one server per address, so it cannot have
     * joined while the gone one's peer is still there (it answers uninitialized).
     */
    public Optional<ClusterInstance> liveServerAt(RaftPeer peer, String besides) {
        List<RaftPeer> peers = view.map(ClusterView::peers).orElse(List.of());
        return instances.stream().filter(ClusterInstance::running)
                .filter(i -> !i.instanceId().equals(peer.nodeId()) && !i.instanceId().equals(besides))
                .filter(i -> InstanceHost.isNamedBy(peer.host(), i))
                .filter(i -> Optional.ofNullable(health.get(i.instanceId())).map(NodeHealth::unsealed).orElse(false))
                .filter(i -> peers.stream().filter(p -> !p.nodeId().equals(peer.nodeId()))
                        .noneMatch(p -> InstanceHost.isNamedBy(p.host(), i)))
                .findFirst();
    }

    /** The same snapshot with the cluster recorded as initialized (once any handler saw it so). */
    public ClusterSnapshot withInitializedRecorded() {
        return new ClusterSnapshot(expectedGroups, groups, instances, groupsReadAt, health, peerHealth, healthReadAt,
                view, via, viewReadAt, readFailures, attempts, true, certificates);
    }
}
