package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.ConsulCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.RaftNode;
import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link TerminatingCases} on three real Consul servers (SYSTEM=consul): the same decisions, Consul's port underneath.
 * A removed server must have left Serf too, or the leader would add it back to Raft.
 */
class ConsulTerminatingIT extends TerminatingCases {
    @RegisterExtension
    static final RaftClusterExtension<ConsulCluster> CLUSTER =
            RaftClusterExtension.consul(ClusterSpec.defaults().withName("consul-term"));

    @Override
    RaftClusterExtension<ConsulCluster> fixture() {
        return CLUSTER;
    }

    /**
     * It left gracefully (Serf says "left", or has pruned it), so the leader cannot add it back to Raft as it does an
     * alive server it finds in Serf (a voter that then dies with its instance would count toward quorum); watched for
     * a while ({@code -Dconsul.rejoin.watch} seconds, 15 by default).
     */
    @Override
    void assertGoneForGood(RaftNode removed) {
        ConsulCluster consul = CLUSTER.cluster();
        consul.await(removed.instanceId() + " left in Serf", Duration.ofSeconds(15), () -> {
            String status = consul.members().getOrDefault(removed.instanceId(), "none");
            return !"alive".equals(status) && !"failed".equals(status);
        });
        long until = System.nanoTime() + Duration.ofSeconds(Long.getLong("consul.rejoin.watch", 15)).toNanos();
        while (System.nanoTime() < until) {
            assertThat(consul.raftNodeIds()).doesNotContain(removed.instanceId());
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
