package dev.raftlifecycle.rig;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The rig is real: Vault processes, Raft, KMS auto-unseal through the emulator, AZ-pinned groups. */
class RigIT {
    @RegisterExtension
    static final RaftClusterExtension<VaultCluster> CLUSTER = RaftClusterExtension.vault(ClusterSpec.defaults());

    @Test
    void threeNodesAutoUnsealThroughTheEmulatorsKms() throws Exception {
        VaultCluster cluster = CLUSTER.cluster();
        assertThat(cluster.runningNodes()).hasSize(3);
        for (VaultNode node : cluster.nodes()) {
            VaultHttp.Reply seal = cluster.http().get(node.apiAddress(), "sys/seal-status", null);
            // recovery_seal is true only for an auto-unseal (awskms) barrier; there are no unseal keys.
            assertThat(seal.body().path("recovery_seal").asBoolean(false)).isTrue();
            assertThat(seal.body().path("sealed").asBoolean(true)).isFalse();
            assertThat(seal.body().path("initialized").asBoolean(false)).isTrue();
        }
        // A restarted node unseals by itself: the only way is Decrypt through the emulator's KMS key.
        VaultNode follower = cluster.nodes().stream().filter(n -> cluster.healthCode(n) == 429).findFirst().orElseThrow();
        cluster.restartNode(follower.instanceId());
        cluster.await("restarted follower unsealed", Duration.ofSeconds(30), () -> cluster.healthCode(follower) == 429);
        assertThat(cluster.rig().kms().describeKey(r -> r.keyId(cluster.kmsKeyId())).keyMetadata().enabled()).isTrue();
    }

    @Test
    void exactlyOneLeader() throws Exception {
        VaultCluster cluster = CLUSTER.cluster();
        cluster.awaitLeader(Duration.ofSeconds(30));
        int active = 0;
        for (VaultNode node : cluster.nodes()) {
            if (cluster.healthCode(node) == 200) {
                active++;
            }
        }
        assertThat(active).isEqualTo(1);
        long leaders = cluster.raftServers().stream().filter(s -> s.path("leader").asBoolean()).count();
        assertThat(leaders).isEqualTo(1);
    }

    @Test
    void raftConfigurationListsTheEmulatorsInstanceIds() {
        VaultCluster cluster = CLUSTER.cluster();
        Set<String> instanceIds = cluster.groupNames().stream()
                .flatMap(g -> cluster.groupInstanceIds(g).stream()).collect(Collectors.toSet());
        assertThat(instanceIds).hasSize(3).allMatch(id -> id.startsWith("i-"));
        assertThat(cluster.raftNodeIds()).isEqualTo(instanceIds);
        for (JsonNode server : cluster.raftServers()) {
            assertThat(server.path("voter").asBoolean()).isTrue();
            VaultNode node = cluster.node(server.path("node_id").asText());
            assertThat(server.path("address").asText()).isEqualTo(node.clusterAddress());
        }
    }

    @Test
    void eachGroupIsPinnedToItsOwnZoneAndNodesBindTheInstancesPrivateIp() {
        VaultCluster cluster = CLUSTER.cluster();
        List<String> zones = cluster.nodes().stream().map(VaultNode::availabilityZone).sorted().toList();
        assertThat(zones).containsExactly("us-east-1a", "us-east-1b", "us-east-1c");
        for (VaultNode node : cluster.nodes()) {
            String ec2Ip = cluster.rig().ec2().describeInstances(r -> r.instanceIds(node.instanceId()))
                    .reservations().get(0).instances().get(0).privateIpAddress();
            assertThat(node.ip()).isEqualTo(ec2Ip).startsWith("127.");
        }
    }

    @Test
    void kvWriteAndReadThroughTheCluster() {
        VaultCluster cluster = CLUSTER.cluster();
        assertThat(cluster.kvPut("rig/check", "before")).isTrue();
        assertThat(cluster.kvGet("rig/check")).contains("before");
    }
}
