package dev.raftlifecycle.it;

import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.VaultCluster;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link StatusCases} on a real 3-node Vault cluster. */
class StatusIT extends StatusCases {
    @RegisterExtension
    static final RaftClusterExtension<VaultCluster> CLUSTER = RaftClusterExtension.vault(ClusterSpec.defaults());

    @Override
    RaftClusterExtension<VaultCluster> fixture() {
        return CLUSTER;
    }
}
