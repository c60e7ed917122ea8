package dev.raftlifecycle.it;

import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.VaultCluster;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link LifecycleCases} on a real 3-node Vault cluster. Vault's own launches (sealed by a disabled KMS key, a wrong
 * retry_join, the warm pool) are in {@link LaunchingHandlerIT}, its publisher's canary and step-downs in
 * {@link HealthPublisherIT}, the reconciler's grace period and modes in {@link ReconcilerIT}.
 */
class LifecycleIT extends LifecycleCases {
    @RegisterExtension
    static final RaftClusterExtension<VaultCluster> CLUSTER = RaftClusterExtension.vault(ClusterSpec.defaults());

    @Override
    RaftClusterExtension<VaultCluster> fixture() {
        return CLUSTER;
    }
}
