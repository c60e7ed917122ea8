package dev.raftlifecycle.it;

import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.ConsulCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link ConcurrentTerminationCases} on five Consul servers (its autopilot's one-second last-contact threshold may
 * notice the crashes before the termination: the guard must refuse either way).
 */
class ConsulConcurrentTerminationIT extends ConcurrentTerminationCases {
    @RegisterExtension
    static final RaftClusterExtension<ConsulCluster> CLUSTER = RaftClusterExtension.consul(
            ClusterSpec.defaults().withName("consul-five").withTotalNodes(5));

    @Override
    RaftClusterExtension<ConsulCluster> fixture() {
        return CLUSTER;
    }
}
