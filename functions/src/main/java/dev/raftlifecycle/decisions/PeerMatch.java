package dev.raftlifecycle.decisions;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which Raft peer, if any, is a given instance; and which instance, if any, a given peer is. A peer is an instance by
 * its node_id (the instance id: clusters built by this project), else by the host of its Raft address, which must name
 * the instance by {@link InstanceHost}'s rule (its private IP, or the private DNS name EC2 reports for it: clusters
 * built otherwise, whose node_ids are UUIDs, hostnames or template names). An address match is refused when another
 * running instance's address is the same (a reused IP or DNS name is not this instance), when more than one peer sits
 * there (ambiguous), and for a peer named after another instance (its node_id is an instance id: that instance's peer,
 * never this one's). A peer named after this instance whose address is another running instance's and not this one's
 * is ambiguous too (node_ids swapped or copied by a config template). When no peer matches but some peer cannot be
 * tied to any instance at all (its node_id is not an instance id and its address names no instance EC2 reports), that
 * peer may be this very instance: the cluster's naming makes a safe match impossible ({@link Unmatchable}).
 */
public sealed interface PeerMatch {

    /** How a peer was tied to an instance (the label in decision lines and the status). */
    enum Basis {
        NODE_ID("node_id"), PRIVATE_IP("private-ip"), PRIVATE_DNS_NAME("private-dns-name");

        private final String label;

        Basis(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        /** e.g. "private-dns-name ip-10-0-1-5.ec2.internal", "node_id i-0abc…": the basis and what matched. */
        public String describe(RaftPeer peer) {
            return label + " " + (this == NODE_ID ? peer.nodeId() : peer.host());
        }
    }

    /** The peer whose node_id is the instance id. */
    record ById(RaftPeer peer) implements PeerMatch {
    }

    /**
     * No node_id matched, but exactly one peer's address names the instance (its private IP or private DNS name) and no
     * other running instance's address is the same.
     */
    record ByAddress(RaftPeer peer, Basis basis) implements PeerMatch {
    }

    /** The instance is not in the Raft configuration (already removed, never joined, duplicate delivery). */
    record NotMember(String why) implements PeerMatch {
    }

    /** More than one peer could be this instance: refuse to guess. */
    record Ambiguous(String why) implements PeerMatch {
    }

    /**
     * No peer matched, but these peers cannot be tied to any instance (node_id not an instance id, address naming no
     * instance EC2 reports, or this instance's own address unknown): one of them may be this instance. {@code why} says
     * what the operator can change.
     */
    record Unmatchable(String why, List<RaftPeer> suspects) implements PeerMatch {
        public Unmatchable {
            suspects = List.copyOf(suspects);
        }
    }

    /** An instance a peer is, and how it was tied to it. */
    record Owner(ClusterInstance instance, Basis basis) {
    }

    /**
     * Finds the peer for an instance.
     *
     * @param instances every instance EC2 and Auto Scaling reported in the same look (this one too, if known): their
     *                  addresses decide whether an address is another running instance's, and whether a peer can be
     *                  tied to any instance at all
     */
    static PeerMatch find(String instanceId, List<RaftPeer> peers, List<ClusterInstance> instances) {
        List<RaftPeer> byId = peers.stream().filter(p -> p.nodeId().equals(instanceId)).toList();
        Optional<ClusterInstance> self = instances.stream().filter(i -> i.instanceId().equals(instanceId)).findFirst();
        List<ClusterInstance> others = instances.stream().filter(i -> !i.instanceId().equals(instanceId)).toList();
        if (byId.size() == 1) {
            RaftPeer peer = byId.get(0);
            // Named after this instance but at another running instance's address, not this one's (node_ids swapped
            // or copied by a config template): which server it is cannot be told; removing it could remove the other
            // instance's live server while this one's stays.
            boolean notHere = self.filter(i -> i.privateIp().isPresent() || i.privateDnsName().isPresent())
                    .filter(i -> !InstanceHost.isNamedBy(peer.host(), i)).isPresent();
            Optional<ClusterInstance> there = notHere ? others.stream().filter(ClusterInstance::running)
                    .filter(o -> InstanceHost.isNamedBy(peer.host(), o)).findFirst() : Optional.empty();
            if (there.isPresent()) {
                return new Ambiguous("peer " + peer.nodeId() + " has node_id " + instanceId + " but its address "
                        + peer.address() + " is another running instance's, " + there.get().instanceId() + " (not "
                        + addresses(self.get()) + ")");
            }
            return new ById(peer);
        }
        if (byId.size() > 1) {
            return new Ambiguous(byId.size() + " peers have node_id " + instanceId);
        }
        // A peer named after an instance is that instance's, never this one's (an old peer at a reused address).
        List<RaftPeer> candidates = peers.stream().filter(p -> !StalePeers.isInstanceId(p.nodeId())).toList();
        boolean addressKnown = self.map(i -> i.privateIp().isPresent() || i.privateDnsName().isPresent()).orElse(false);
        if (!addressKnown) {
            List<RaftPeer> suspects = candidates.stream().filter(p -> others.stream()
                    .noneMatch(o -> InstanceHost.isNamedBy(p.host(), o))).toList();
            return suspects.isEmpty()
                    ? new NotMember("no peer has node_id " + instanceId + " and its private IP and DNS name are unknown")
                    : new Unmatchable("no peer has node_id " + instanceId + ", its private IP and DNS name are unknown, and "
                    + describe(suspects) + " could be it; " + ADVICE, suspects);
        }
        ClusterInstance me = self.get();
        List<RaftPeer> atHost = candidates.stream().filter(p -> InstanceHost.isNamedBy(p.host(), me)).toList();
        if (atHost.size() > 1) {
            return new Ambiguous(atHost.size() + " peers have an address naming " + instanceId + ": "
                    + atHost.stream().map(p -> p.nodeId() + " (" + p.address() + ")").collect(Collectors.joining(", ")));
        }
        if (atHost.size() == 1) {
            RaftPeer peer = atHost.get(0);
            Optional<ClusterInstance> owner = others.stream().filter(ClusterInstance::running)
                    .filter(o -> InstanceHost.isNamedBy(peer.host(), o)).findFirst();
            if (owner.isPresent()) {
                return new NotMember("the peer at " + peer.host() + " (" + peer.nodeId() + ") belongs to another running"
                        + " instance, " + owner.get().instanceId());
            }
            return new ByAddress(peer, InstanceHost.names(peer.host(), me).orElseThrow());
        }
        // Any address that names no instance may be this one's: a name, an IPv6 address (EC2's private IP is IPv4),
        // or an IPv4 address that is not its primary private IP (a secondary IP, an attached network interface's).
        List<RaftPeer> suspects = candidates.stream()
                .filter(p -> instances.stream().noneMatch(i -> InstanceHost.isNamedBy(p.host(), i))).toList();
        if (!suspects.isEmpty()) {
            return new Unmatchable("no peer has node_id " + instanceId + " or an address naming it ("
                    + addresses(me) + "), and " + describe(suspects) + " could be it; " + ADVICE, suspects);
        }
        return new NotMember("no peer has node_id " + instanceId + " or an address naming it (" + addresses(me) + ")");
    }

    /** What the operator can change so that every peer can be tied to its instance. */
    String ADVICE = "set node_id (Vault; Consul: the node name) to the instance id, or the Raft address (Vault: "
            + "cluster_addr; Consul: advertise_addr) to the instance's private IP or private DNS name";

    private static String describe(List<RaftPeer> suspects) {
        return suspects.stream().map(p -> "peer " + p.nodeId() + " (" + p.address() + ")")
                .collect(Collectors.joining(", ")) + " (node_id not an instance id, address neither an instance's"
                + " private IP nor its private DNS name)";
    }

    private static String addresses(ClusterInstance i) {
        List<String> out = new java.util.ArrayList<>();
        i.privateIp().ifPresent(out::add);
        i.privateDnsName().ifPresent(out::add);
        return String.join(", ", out);
    }

    /**
     * The instance a peer is: the one whose id is its node_id; else, for a peer not named after an instance, the one
     * instance its address names (a running one before any other; among instances that are not running, only when one
     * alone matches), provided no other peer not named after an instance has an address naming that instance, and the
     * instance has no peer of its own by node_id. Empty when none can be told. The same judgement as {@link #find}.
     *
     * @param instances every instance of the same look, in any state
     */
    static Optional<Owner> owner(RaftPeer peer, List<RaftPeer> peers, List<ClusterInstance> instances) {
        Optional<ClusterInstance> byId = instances.stream().filter(i -> i.instanceId().equals(peer.nodeId())).findFirst();
        if (byId.isPresent()) {
            return Optional.of(new Owner(byId.get(), Basis.NODE_ID));
        }
        if (StalePeers.isInstanceId(peer.nodeId())) {
            return Optional.empty();
        }
        Set<String> peerIds = peers.stream().map(RaftPeer::nodeId).collect(Collectors.toSet());
        List<ClusterInstance> named = instances.stream().filter(i -> !peerIds.contains(i.instanceId()))
                .filter(i -> InstanceHost.isNamedBy(peer.host(), i)).toList();
        List<ClusterInstance> running = named.stream().filter(ClusterInstance::running).toList();
        List<ClusterInstance> pick = running.isEmpty() ? named : running;
        if (pick.size() != 1) {
            return Optional.empty();
        }
        ClusterInstance instance = pick.get(0);
        // Another peer that could be the same instance (one named after an instance never is: see find).
        boolean shared = peers.stream().filter(p -> !p.nodeId().equals(peer.nodeId()))
                .filter(p -> !StalePeers.isInstanceId(p.nodeId()))
                .anyMatch(p -> InstanceHost.isNamedBy(p.host(), instance));
        if (shared) {
            return Optional.empty();
        }
        return Optional.of(new Owner(instance, InstanceHost.names(peer.host(), instance).orElseThrow()));
    }

    /** The matched peer, if any. */
    default Optional<RaftPeer> matched() {
        if (this instanceof ById byId) {
            return Optional.of(byId.peer());
        }
        if (this instanceof ByAddress byAddress) {
            return Optional.of(byAddress.peer());
        }
        return Optional.empty();
    }

    /**
     * How the peer was matched ("node_id i-…", "private-ip 10.0.1.5", "private-dns-name ip-10-0-1-5.ec2.internal"),
     * or why none was ("none: …").
     */
    default String describe() {
        return switch (this) {
            case ById m -> Basis.NODE_ID.describe(m.peer());
            case ByAddress m -> m.basis().describe(m.peer());
            case NotMember m -> "none: " + m.why();
            case Ambiguous m -> "ambiguous: " + m.why();
            case Unmatchable m -> "unmatchable: " + m.why();
        };
    }
}
