package dev.raftlifecycle.decisions;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Which Raft peer, if any, is a given instance. */
public sealed interface PeerMatch {

    /** The peer whose node_id is the instance id. */
    record ById(RaftPeer peer) implements PeerMatch {
    }

    /** No node_id matched, but exactly one peer sits at the instance's private IP and no other instance owns it. */
    record ByAddress(RaftPeer peer) implements PeerMatch {
    }

    /** The instance is not in the Raft configuration (already removed, never joined, duplicate delivery). */
    record NotMember(String why) implements PeerMatch {
    }

    /** More than one peer could be this instance: refuse to guess. */
    record Ambiguous(String why) implements PeerMatch {
    }

    /**
     * Finds the peer for an instance.
     *
     * @param otherRunningIps private IPs of the cluster's other running instances (an IP reused by another
     *                        instance must not be mistaken for this one)
     */
    static PeerMatch find(String instanceId, Optional<String> privateIp, List<RaftPeer> peers,
                          Set<String> otherRunningIps) {
        List<RaftPeer> byId = peers.stream().filter(p -> p.nodeId().equals(instanceId)).toList();
        if (byId.size() == 1) {
            return new ById(byId.get(0));
        }
        if (byId.size() > 1) {
            return new Ambiguous(byId.size() + " peers have node_id " + instanceId);
        }
        if (privateIp.isEmpty()) {
            return new NotMember("no peer has node_id " + instanceId + " and its private IP is unknown");
        }
        String ip = privateIp.get();
        List<RaftPeer> atIp = peers.stream().filter(p -> p.host().equals(ip)).toList();
        if (atIp.isEmpty()) {
            return new NotMember("no peer has node_id " + instanceId + " or address " + ip);
        }
        if (atIp.size() > 1) {
            return new Ambiguous(atIp.size() + " peers have address " + ip);
        }
        if (otherRunningIps.contains(ip)) {
            return new NotMember("the peer at " + ip + " (" + atIp.get(0).nodeId() + ") belongs to another running instance");
        }
        return new ByAddress(atIp.get(0));
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
}
