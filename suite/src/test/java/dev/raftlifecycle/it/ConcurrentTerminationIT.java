package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.RaftNode;
import dev.raftlifecycle.rig.VaultCluster;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link ConcurrentTerminationCases} on five Vault nodes. */
class ConcurrentTerminationIT extends ConcurrentTerminationCases {
    @RegisterExtension
    static final RaftClusterExtension<VaultCluster> CLUSTER = RaftClusterExtension.vault(ClusterSpec.defaults().withTotalNodes(5));

    @Override
    RaftClusterExtension<VaultCluster> fixture() {
        return CLUSTER;
    }

    /** Vault's autopilot lags by its last-contact threshold: the moment before it notices is there to be shown. */
    @Override
    void assertAutopilotHasNotNoticed(RaftNode crashed) {
        assertThat(cluster.autopilotServer(crashed.instanceId()))
                .as("autopilot has not noticed %s yet", crashed.instanceId())
                .hasValueSatisfying(s -> assertThat(s.healthy()).isTrue());
    }
}
