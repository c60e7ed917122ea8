package dev.raftlifecycle.it;

import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.ConsulCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link ShadowCases} on a real 3-server Consul cluster. */
class ConsulShadowIT extends ShadowCases {
    @RegisterExtension
    static final RaftClusterExtension<ConsulCluster> CLUSTER =
            RaftClusterExtension.consul(ClusterSpec.defaults().withName("consul-shadow"));

    @Override
    RaftClusterExtension<ConsulCluster> fixture() {
        return CLUSTER;
    }
}
