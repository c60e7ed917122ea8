package dev.raftlifecycle.it;

import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.VaultCluster;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link ShadowCases} on a real 3-node Vault cluster. */
class ShadowIT extends ShadowCases {
    @RegisterExtension
    static final RaftClusterExtension<VaultCluster> CLUSTER = RaftClusterExtension.vault(ClusterSpec.defaults()
            .withName("vault-shadow"));

    @Override
    RaftClusterExtension<VaultCluster> fixture() {
        return CLUSTER;
    }
}
