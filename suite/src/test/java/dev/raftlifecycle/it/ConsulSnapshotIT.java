package dev.raftlifecycle.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.ConsulCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link SnapshotCases} on three real Consul servers (SYSTEM=consul; the snapshot ACL role, acl = "write"). */
class ConsulSnapshotIT extends SnapshotCases {
    @RegisterExtension
    static final RaftClusterExtension<ConsulCluster> CLUSTER =
            RaftClusterExtension.consul(ClusterSpec.defaults().withName("consul-snap"));

    @Override
    RaftClusterExtension<ConsulCluster> fixture() {
        return CLUSTER;
    }

    @Override
    long[] leaderIndexAndTerm() {
        for (JsonNode server : CLUSTER.cluster().autopilot().path("Servers")) {
            if (server.path("Leader").asBoolean(false)) {
                return new long[] {server.path("LastIndex").asLong(-1), server.path("LastTerm").asLong(-1)};
            }
        }
        return new long[] {-1, -1};
    }
}
