package dev.raftlifecycle.it;

import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.ConsulCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link CertificatesCases} on three real Consul servers (SYSTEM=consul): Consul reloads the HTTPS listener's
 * certificate on SIGHUP ({@code consul reload}).
 */
class ConsulCertificatesIT extends CertificatesCases {
    @RegisterExtension
    static final RaftClusterExtension<ConsulCluster> CLUSTER =
            RaftClusterExtension.consul(ClusterSpec.defaults().withName("consul-certs"));

    @Override
    RaftClusterExtension<ConsulCluster> fixture() {
        return CLUSTER;
    }
}
