package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.RaftCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.VaultCluster;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RestoreCases} on Vault: the new cluster is initialized on the source's KMS key (the unseal key must match). */
class RestoreIT extends RestoreCases {
    @RegisterExtension
    static final RaftClusterExtension<VaultCluster> CLUSTER = RaftClusterExtension.vault(ClusterSpec.defaults());

    @Override
    RaftClusterExtension<VaultCluster> fixture() {
        return CLUSTER;
    }

    /**
     * Rolling a cluster back to a snapshot of its own: sys/storage/raft/snapshot (--same-cluster), confirmed like the
     * other restores; what was written after the snapshot is gone, what was written before it is there.
     */
    @Test
    @Order(4)
    void rollsTheSameClusterBackToItsOwnSnapshot() throws Exception {
        assertThat(source().kvPut("rollback/before", "kept")).isTrue();
        snapshot(source().name());
        assertThat(source().kvPut("rollback/after", "undone")).isTrue();
        Run refused = restore(source(), source().adminToken(), "--same-cluster");
        assertThat(refused.exitCode()).as("the source holds data: " + refused.err()).isEqualTo(4);
        Run run = restore(source(), source().adminToken(), "--same-cluster", "--replace-data");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(source().kvGet("rollback/before")).contains("kept");
        assertThat(source().kvGet("rollback/after")).isEmpty();
    }

    @Override
    boolean ownTokenAfterRestore() {
        return false;
    }

    @Override
    ClusterSpec targetSpec(RaftCluster source) {
        // Initialized only (no auth method, no secret/ mount): what an operator's `vault operator init` leaves.
        return ClusterSpec.defaults().withoutAuth().withUnsealKeyId(((VaultCluster) source).kmsKeyId());
    }
}
