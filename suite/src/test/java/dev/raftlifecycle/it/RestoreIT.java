package dev.raftlifecycle.it;

import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.RaftCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.VaultCluster;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RestoreCases} on Vault: the new cluster is initialized on the source's KMS key (the unseal key must match). */
class RestoreIT extends RestoreCases {
    @RegisterExtension
    static final RaftClusterExtension<VaultCluster> CLUSTER = RaftClusterExtension.vault(ClusterSpec.defaults());

    @Override
    RaftClusterExtension<VaultCluster> fixture() {
        return CLUSTER;
    }

    @Override
    ClusterSpec targetSpec(RaftCluster source) {
        // Initialized only (no auth method, no secret/ mount): what an operator's `vault operator init` leaves.
        return ClusterSpec.defaults().withoutAuth().withUnsealKeyId(((VaultCluster) source).kmsKeyId());
    }
}
