package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.contract.HandlerNames;
import dev.raftlifecycle.contract.VaultAccess;
import dev.raftlifecycle.decisions.ReadFailure;
import dev.raftlifecycle.handlers.HandlerRuntime;
import dev.raftlifecycle.observation.ClusterSessions;
import dev.raftlifecycle.ports.ClusterCallException;
import dev.raftlifecycle.ports.ClusterPort;
import dev.raftlifecycle.ports.VaultClient;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.RaftNode;
import dev.raftlifecycle.rig.VaultCluster;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link SnapshotCases} on a real 3-node Vault cluster, and what the snapshot role may not do. */
class SnapshotIT extends SnapshotCases {
    @RegisterExtension
    static final RaftClusterExtension<VaultCluster> CLUSTER =
            RaftClusterExtension.vault(ClusterSpec.defaults().withName("vault-snap"));

    @Override
    RaftClusterExtension<VaultCluster> fixture() {
        return CLUSTER;
    }

    @Override
    long[] leaderIndexAndTerm() {
        JsonNode state = CLUSTER.cluster().autopilot();
        JsonNode leader = state.path("servers").path(state.path("leader").asText());
        return new long[] {leader.path("last_index").asLong(-1), leader.path("last_term").asLong(-1)};
    }

    /**
     * The snapshot role's token reads the snapshot and nothing else: Vault itself refuses it a peer's removal, a
     * step-down and a KV secret (HTTP 403), and the cluster is unchanged.
     */
    @Test
    void theSnapshotRoleIsRefusedEverythingButTheSnapshot() throws Exception {
        HandlerRuntime runtime = harness.runtime(HandlerNames.SNAPSHOT_NAME);
        VaultClient vault = runtime.vault();
        RaftNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        RaftNode follower = cluster.follower();
        ClusterSessions sessions = new ClusterSessions(runtime.settings(), vault, runtime.credentials(),
                Clock.systemUTC(), VaultAccess.SNAPSHOT_ROLE);
        ClusterPort.Session session = sessions.current(leader.ip());
        assertThat(cluster.kvPut("snapshot/secret", "not-for-the-snapshot-role")).isTrue();

        assertThatThrownBy(() -> vault.removePeer(leader.ip(), session, follower.instanceId()))
                .isInstanceOfSatisfying(ClusterCallException.class, e -> {
                    assertThat(e.failure()).isEqualTo(ReadFailure.DENIED);
                    assertThat(e.status()).isEqualTo(403);
                });
        assertThatThrownBy(() -> vault.stepDown(leader.ip(), session))
                .isInstanceOfSatisfying(ClusterCallException.class, e -> assertThat(e.status()).isEqualTo(403));
        assertThatThrownBy(() -> vault.kvRead(leader.ip(), session, "secret/snapshot/secret"))
                .isInstanceOfSatisfying(ClusterCallException.class, e -> assertThat(e.status()).isEqualTo(403));
        assertThatThrownBy(() -> vault.raftConfiguration(leader.ip(), session))
                .isInstanceOfSatisfying(ClusterCallException.class, e -> assertThat(e.failure()).isEqualTo(ReadFailure.DENIED));
        // While the snapshot itself is allowed with the same token.
        long read = vault.snapshot(leader.ip(), session, Duration.ofSeconds(10), Duration.ofMinutes(1),
                body -> body.transferTo(java.io.OutputStream.nullOutputStream()));
        assertThat(read).isPositive();
        assertThat(cluster.raftNodeIds()).contains(follower.instanceId()).hasSize(3);
        assertThat(cluster.leader().map(RaftNode::instanceId)).contains(leader.instanceId());
    }
}
