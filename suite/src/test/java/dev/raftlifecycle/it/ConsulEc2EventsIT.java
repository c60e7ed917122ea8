package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.ConsulCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.RaftNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link Ec2EventsCases} on three real Consul servers (Spot groups): a live server's removal is its graceful leave, and
 * a dead server's peer removal is followed by a force-leave that takes it out of Serf too.
 */
class ConsulEc2EventsIT extends Ec2EventsCases {
    @RegisterExtension
    static final RaftClusterExtension<ConsulCluster> CLUSTER =
            RaftClusterExtension.consul(ClusterSpec.defaults().withName("consul-ec2").withSpot());

    @Override
    RaftClusterExtension<ConsulCluster> fixture() {
        return CLUSTER;
    }

    /** Not the 8 s a force-leave through the leader costs (it holds the leader's configuration reads meanwhile). */
    @Override
    Duration lossWindow() {
        return Duration.ofSeconds(5);
    }

    /** Consul's removal of a live server is its graceful leave: "left" in Serf, then its process ends. */
    @Override
    void assertRemovedBeforeItDies(RaftNode victim) {
        ConsulCluster consul = CLUSTER.cluster();
        consul.await(victim.instanceId() + " left", Duration.ofSeconds(15),
                () -> consul.members().getOrDefault(victim.instanceId(), "none").equals("left") && !victim.running());
    }

    /**
     * Out of Serf too (the force-leave with prune, which Serf completes some seconds later), so the leader has nothing
     * to reconcile it back from; and it stays out of Raft meanwhile.
     */
    @Override
    void awaitGoneBesideRaft(RaftNode lost) {
        ConsulCluster consul = CLUSTER.cluster();
        consul.await(lost.instanceId() + " out of Serf", Duration.ofSeconds(20), () -> {
            assertThat(consul.raftNodeIds()).doesNotContain(lost.instanceId());
            return List.of("left", "none").contains(consul.members().getOrDefault(lost.instanceId(), "none"));
        });
    }
}
