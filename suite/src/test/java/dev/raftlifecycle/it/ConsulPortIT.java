package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftlifecycle.contract.ConsulAccess;
import dev.raftlifecycle.decisions.AutopilotState;
import dev.raftlifecycle.decisions.NodeHealth;
import dev.raftlifecycle.decisions.RaftPeer;
import dev.raftlifecycle.decisions.ReadFailure;
import dev.raftlifecycle.ports.ClusterCallException;
import dev.raftlifecycle.ports.ClusterPort;
import dev.raftlifecycle.ports.ConsulClient;
import dev.raftlifecycle.ports.IamLoginRequest;
import dev.raftlifecycle.ports.VaultTls;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.ConsulCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.ConsulNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsCredentials;

/**
 * The Consul port against three real Consul 1.16 servers: the aws-iam ACL login through the emulator's STS with the
 * Lambda roles' credentials, what each ACL role may do, and how Consul's answers read as the shared records. The
 * expectations come from the rig's own view (the management token), not from the port.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsulPortIT {
    @RegisterExtension
    static final RaftClusterExtension<ConsulCluster> CLUSTER = RaftClusterExtension.consul(ClusterSpec.defaults().withName("consul-port"));

    private static ConsulClient client(ConsulCluster cluster) {
        return new ConsulClient(VaultTls.context(cluster.caPem(), Optional.of(cluster.tlsServerName())),
                Duration.ofSeconds(1), Duration.ofSeconds(5), cluster.apiPort());
    }

    private static ClusterPort.Session login(ConsulCluster cluster, ConsulClient client, AwsCredentials credentials,
                                             String serverId) throws ClusterCallException {
        IamLoginRequest.Payload payload = IamLoginRequest.sign(credentials, "https://sts.amazonaws.com/", "us-east-1",
                client.serverIdHeader(), serverId, Clock.systemUTC());
        return client.login(cluster.runningNodes().get(0).ip(), ConsulAccess.AUTH_METHOD, "", payload, Instant.now());
    }

    @Test
    @Order(1)
    void eachNodeSaysWhetherItLeadsAndTheConfigurationAndAutopilotAreByNodeName() throws Exception {
        ConsulCluster cluster = CLUSTER.cluster();
        ConsulClient client = client(cluster);
        ConsulNode leader = cluster.leader().orElseThrow();
        for (ConsulNode node : cluster.runningNodes()) {
            NodeHealth health = client.health(node.instanceId(), node.ip());
            assertThat(health.state()).as(node.instanceId())
                    .isEqualTo(node == leader ? NodeHealth.State.ACTIVE : NodeHealth.State.STANDBY);
        }
        ClusterPort.Session reader = login(cluster, client, cluster.rig().handlerCredentials(dev.raftlifecycle.contract.HandlerNames.LAUNCHING_NAME, cluster.name()), cluster.tlsServerName());
        List<RaftPeer> peers = client.raftConfiguration(cluster.follower().ip(), reader);
        assertThat(peers).extracting(RaftPeer::nodeId).containsExactlyInAnyOrderElementsOf(cluster.raftNodeIds());
        assertThat(peers).filteredOn(RaftPeer::leader).extracting(RaftPeer::nodeId).containsExactly(leader.instanceId());
        AutopilotState autopilot = client.autopilotState(cluster.follower().ip(), reader);
        assertThat(autopilot.leader()).isEqualTo(leader.instanceId());
        assertThat(autopilot.voters()).hasSize(3);
        assertThat(autopilot.servers().values()).allSatisfy(s -> {
            assertThat(s.healthy()).isTrue();
            assertThat(s.nodeStatus()).isEqualTo("alive");
            assertThat(s.version()).isEqualTo("1.16.3");
        });
        assertThat(client.autopilotSettings(leader.ip(), reader).serverStabilizationTime()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    @Order(2)
    void theReadRoleCannotMutateAndALoginSignedForAnotherServerIdIsRefused() throws Exception {
        ConsulCluster cluster = CLUSTER.cluster();
        ConsulClient client = client(cluster);
        ClusterPort.Session reader = login(cluster, client, cluster.rig().handlerCredentials(dev.raftlifecycle.contract.HandlerNames.LAUNCHING_NAME, cluster.name()), cluster.tlsServerName());
        ConsulNode leader = cluster.leader().orElseThrow();
        String follower = cluster.follower().instanceId();
        assertThatThrownBy(() -> client.removePeer(leader.ip(), reader, follower))
                .isInstanceOfSatisfying(ClusterCallException.class, e -> assertThat(e.failure()).isEqualTo(ReadFailure.DENIED));
        assertThatThrownBy(() -> client.stepDown(leader.ip(), reader))
                .isInstanceOfSatisfying(ClusterCallException.class, e -> assertThat(e.failure()).isEqualTo(ReadFailure.DENIED));
        assertThat(cluster.raftNodeIds()).contains(follower);
        assertThat(cluster.leader()).contains(leader);

        assertThatThrownBy(() -> login(cluster, client, cluster.rig().handlerCredentials(dev.raftlifecycle.contract.HandlerNames.TERMINATING_NAME, cluster.name()), "another-cluster.example"))
                .isInstanceOfSatisfying(ClusterCallException.class, e -> assertThat(e.failure()).as(e.getMessage())
                        .isEqualTo(ReadFailure.DENIED));
    }

    @Test
    @Order(3)
    void theMutatingRoleTransfersLeadership() throws Exception {
        ConsulCluster cluster = CLUSTER.cluster();
        ConsulClient client = client(cluster);
        ClusterPort.Session writer = login(cluster, client, cluster.rig().handlerCredentials(dev.raftlifecycle.contract.HandlerNames.TERMINATING_NAME, cluster.name()), cluster.tlsServerName());
        ConsulNode before = cluster.leader().orElseThrow();
        client.stepDown(cluster.follower().ip(), writer);
        cluster.await("another leader", Duration.ofSeconds(30),
                () -> cluster.leader().map(l -> !l.equals(before)).orElse(false));
    }

    @Test
    @Order(4)
    void removingADeadFollowerTakesItOutOfRaftAndSerfAndAnUnknownNameChangesNothing() throws Exception {
        ConsulCluster cluster = CLUSTER.cluster();
        ConsulClient client = client(cluster);
        ClusterPort.Session writer = login(cluster, client, cluster.rig().handlerCredentials(dev.raftlifecycle.contract.HandlerNames.TERMINATING_NAME, cluster.name()), cluster.tlsServerName());
        ConsulNode dead = cluster.follower();
        dead.kill();
        cluster.await(dead.instanceId() + " failed in Serf", Duration.ofSeconds(30),
                () -> "failed".equals(cluster.members().get(dead.instanceId())));
        ConsulNode leader = cluster.leader().orElseThrow();

        client.removePeer(leader.ip(), writer, dead.instanceId());

        cluster.await(dead.instanceId() + " out of the configuration", Duration.ofSeconds(15),
                () -> !cluster.raftNodeIds().contains(dead.instanceId()));
        cluster.await(dead.instanceId() + " out of Serf's members", Duration.ofSeconds(15),
                () -> !cluster.members().containsKey(dead.instanceId()));
        assertThat(cluster.raftNodeIds()).hasSize(2);
        // A name that is not a peer: Consul would answer 500 to its Raft id; the port removes nothing and says so
        // only through the re-read (the configuration is unchanged).
        client.removePeer(leader.ip(), writer, "i-0000000000000dead");
        assertThat(cluster.raftNodeIds()).hasSize(2);
        cluster.heal(Duration.ofSeconds(90));
        assertThat(cluster.raftNodeIds()).hasSize(3);
    }
}
