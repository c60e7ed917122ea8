package dev.raftlifecycle.it;

import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.VaultCluster;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link CertificatesCases} on a real 3-node Vault cluster (Vault reloads its listener's certificate on SIGHUP). */
class CertificatesIT extends CertificatesCases {
    @RegisterExtension
    static final RaftClusterExtension<VaultCluster> CLUSTER = RaftClusterExtension.vault(ClusterSpec.defaults());

    @Override
    RaftClusterExtension<VaultCluster> fixture() {
        return CLUSTER;
    }
}
