package dev.raftlifecycle.decisions;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Through which nodes to read the cluster, in order of preference: in service first, then pending, then anything
 * else running (terminating, retained); the invocation's subject last (a terminating or launching node is the
 * weakest witness of the cluster's state). Only instances EC2 reports running.
 */
public final class ReadOrder {
    private ReadOrder() {
    }

    public static List<ClusterInstance> candidates(List<ClusterInstance> instances, Optional<String> last) {
        Comparator<ClusterInstance> order = Comparator
                .comparing((ClusterInstance i) -> last.map(id -> id.equals(i.instanceId())).orElse(false))
                .thenComparing(i -> !i.inService())
                .thenComparing(i -> !i.pending())
                .thenComparing(ClusterInstance::instanceId);
        return instances.stream().filter(ClusterInstance::running).sorted(order).toList();
    }
}
