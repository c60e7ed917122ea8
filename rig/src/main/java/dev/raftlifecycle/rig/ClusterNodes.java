package dev.raftlifecycle.rig;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The server nodes of one cluster by instance id, in the order they were started; safe to share between threads. */
final class ClusterNodes<N extends RaftNode> {
    private final String clusterName;
    private final Map<String, N> nodes = new LinkedHashMap<>();

    ClusterNodes(String clusterName) {
        this.clusterName = clusterName;
    }

    void add(N node) {
        synchronized (nodes) {
            nodes.put(node.instanceId(), node);
        }
    }

    void remove(String instanceId) {
        synchronized (nodes) {
            nodes.remove(instanceId);
        }
    }

    boolean contains(String instanceId) {
        synchronized (nodes) {
            return nodes.containsKey(instanceId);
        }
    }

    /** The node of the instance, or null if it has none. */
    N find(String instanceId) {
        synchronized (nodes) {
            return nodes.get(instanceId);
        }
    }

    /** The node of the instance; fails if it has none. */
    N get(String instanceId) {
        N node = find(instanceId);
        if (node == null) {
            throw new RigException("no node for instance " + instanceId + " in " + clusterName);
        }
        return node;
    }

    Collection<N> all() {
        synchronized (nodes) {
            return List.copyOf(nodes.values());
        }
    }

    List<N> running() {
        return all().stream().filter(RaftNode::running).toList();
    }

    int size() {
        synchronized (nodes) {
            return nodes.size();
        }
    }
}
