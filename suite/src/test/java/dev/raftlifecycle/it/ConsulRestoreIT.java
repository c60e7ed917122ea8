package dev.raftlifecycle.it;

import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.ConsulCluster;
import dev.raftlifecycle.rig.RaftCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RestoreCases} on Consul (PUT /v1/snapshot with a management token; no seal, so no key to share). */
class ConsulRestoreIT extends RestoreCases {
    @RegisterExtension
    static final RaftClusterExtension<ConsulCluster> CLUSTER =
            RaftClusterExtension.consul(ClusterSpec.defaults().withName("consul-restore"));

    @Override
    RaftClusterExtension<ConsulCluster> fixture() {
        return CLUSTER;
    }

    @Override
    boolean ownTokenAfterRestore() {
        return true;
    }

    @Override
    ClusterSpec targetSpec(RaftCluster source) {
        return ClusterSpec.defaults().withName("consul-restored").withoutAuth();
    }
}
