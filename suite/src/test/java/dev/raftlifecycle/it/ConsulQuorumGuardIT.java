package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.ConsulCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.RaftNode;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link QuorumGuardCases} on three real Consul servers (SYSTEM=consul): the removal underneath is a graceful leave of
 * the live server, so a server that was not removed must still run and still be an alive Serf member.
 */
class ConsulQuorumGuardIT extends QuorumGuardCases {
    @RegisterExtension
    static final RaftClusterExtension<ConsulCluster> CLUSTER =
            RaftClusterExtension.consul(ClusterSpec.defaults().withName("consul-guard"));

    @Override
    RaftClusterExtension<ConsulCluster> fixture() {
        return CLUSTER;
    }

    @Override
    void assertStillAMember(RaftNode node) {
        assertThat(CLUSTER.cluster().members()).containsEntry(node.instanceId(), "alive");
    }
}
