package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftlifecycle.ports.ClusterCallException;
import dev.raftlifecycle.ports.ClusterPort;
import dev.raftlifecycle.contract.VaultAccess;
import dev.raftlifecycle.decisions.RaftPeer;
import dev.raftlifecycle.decisions.ReadFailure;
import dev.raftlifecycle.ports.IamLoginRequest;
import dev.raftlifecycle.ports.VaultClient;
import dev.raftlifecycle.ports.VaultTls;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.VaultHttp;
import dev.raftlifecycle.rig.VaultNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;

/**
 * The production login path against the real rig: a SigV4-signed sts:GetCallerIdentity (SDK v2 signer,
 * server-ID header signed, credentials of a role assumed in the emulator) logs in to Vault's AWS auth
 * method, and the token's policy is the least-privilege one from the repository.
 */
class RigSmokeIT {
    @RegisterExtension
    static final RaftClusterExtension<VaultCluster> CLUSTER = RaftClusterExtension.vault(ClusterSpec.defaults());

    private static VaultClient client(VaultCluster cluster) {
        return new VaultClient(VaultTls.context(cluster.caPem(), Optional.of(cluster.tlsServerName())),
                Duration.ofSeconds(1), Duration.ofSeconds(5), cluster.apiPort());
    }

    private static ClusterPort.Session login(VaultCluster cluster, VaultClient client, String serverId) throws Exception {
        return login(cluster, client, serverId, cluster.rig().handlerCredentials(dev.raftlifecycle.contract.HandlerNames.TERMINATING_NAME, cluster.name()), VaultAccess.MUTATING_ROLE);
    }

    private static ClusterPort.Session login(VaultCluster cluster, VaultClient client, String serverId,
                                             software.amazon.awssdk.auth.credentials.AwsCredentials credentials,
                                             String role) throws Exception {
        IamLoginRequest.Payload payload = IamLoginRequest.sign(credentials, "https://sts.amazonaws.com/", "us-east-1",
                serverId, Clock.systemUTC());
        return client.login(cluster.runningNodes().get(0).ip(), VaultAccess.AUTH_MOUNT, role, payload, Instant.now());
    }

    @Test
    void theReadOnlyRoleReadsRaftStateButIsDeniedRemovePeerAndStepDown() throws Exception {
        VaultCluster cluster = CLUSTER.cluster();
        VaultClient client = client(cluster);
        ClusterPort.Session reader = login(cluster, client, cluster.tlsServerName(), cluster.rig().handlerCredentials(dev.raftlifecycle.contract.HandlerNames.LAUNCHING_NAME, cluster.name()),
                VaultAccess.READ_ROLE);
        VaultNode node = cluster.awaitLeader(Duration.ofSeconds(30));
        assertThat(client.raftConfiguration(node.ip(), reader)).hasSize(3);
        assertThat(client.autopilotState(node.ip(), reader).servers()).hasSize(3);
        assertThat(client.autopilotSettings(node.ip(), reader).lastContactThreshold()).isPositive();

        String follower = cluster.runningNodes().stream().filter(n -> n != node).findFirst().orElseThrow().instanceId();
        assertThatThrownBy(() -> client.removePeer(node.ip(), reader, follower))
                .isInstanceOfSatisfying(ClusterCallException.class, e -> assertThat(e.failure()).isEqualTo(ReadFailure.DENIED));
        assertThatThrownBy(() -> client.stepDown(node.ip(), reader))
                .isInstanceOfSatisfying(ClusterCallException.class, e -> assertThat(e.failure()).isEqualTo(ReadFailure.DENIED));
        assertThat(cluster.raftNodeIds()).hasSize(3).contains(follower);
        assertThat(cluster.leader()).get().extracting(VaultNode::instanceId).isEqualTo(node.instanceId());
        // Nor secrets, nor mounts.
        assertThat(cluster.http().get(node.apiAddress(), "sys/mounts", reader.token()).status()).isEqualTo(403);
    }

    @Test
    void thePublisherRoleReadsRaftStateAndTheCanaryPathsAndIsDeniedEverythingElse() throws Exception {
        VaultCluster cluster = CLUSTER.cluster();
        VaultClient client = client(cluster);
        ClusterPort.Session publisher = login(cluster, client, cluster.tlsServerName(),
                cluster.rig().handlerCredentials(dev.raftlifecycle.contract.HandlerNames.PUBLISHER_NAME, cluster.name()), VaultAccess.PUBLISHER_ROLE);
        VaultNode node = cluster.awaitLeader(Duration.ofSeconds(30));
        assertThat(client.raftConfiguration(node.ip(), publisher)).hasSize(3);
        assertThat(client.kvRead(node.ip(), publisher, VaultAccess.CANARY_READ_PATH)
                .path(VaultAccess.CANARY_VALUE_FIELD).asText()).isEqualTo(VaultAccess.CANARY_VALUE);
        client.kvWrite(node.ip(), publisher, VaultAccess.CANARY_WRITE_PATH, java.util.Map.of("at", "now"));

        VaultHttp http = cluster.http();
        String token = publisher.token();
        // The canary's read value cannot be changed, nor its write value read back, nor any other path touched.
        assertThat(http.put(node.apiAddress(), VaultAccess.CANARY_READ_PATH, token, java.util.Map.of("value", "x")).status())
                .isEqualTo(403);
        assertThat(http.get(node.apiAddress(), VaultAccess.CANARY_WRITE_PATH, token).status()).isEqualTo(403);
        assertThat(http.put(node.apiAddress(), VaultAccess.CANARY_MOUNT + "/other", token, java.util.Map.of("v", "1"))
                .status()).isEqualTo(403);
        assertThat(cluster.kvPut("smoke/publisher", "x")).isTrue();
        assertThat(http.get(node.apiAddress(), "secret/smoke/publisher", token).status()).isEqualTo(403);
        assertThat(http.get(node.apiAddress(), "sys/mounts", token).status()).isEqualTo(403);
        String follower = cluster.runningNodes().stream().filter(n -> n != node).findFirst().orElseThrow().instanceId();
        assertThatThrownBy(() -> client.removePeer(node.ip(), publisher, follower))
                .isInstanceOfSatisfying(ClusterCallException.class, e -> assertThat(e.failure()).isEqualTo(ReadFailure.DENIED));
        assertThatThrownBy(() -> client.stepDown(node.ip(), publisher))
                .isInstanceOfSatisfying(ClusterCallException.class, e -> assertThat(e.failure()).isEqualTo(ReadFailure.DENIED));
        assertThat(cluster.adminRead(VaultAccess.CANARY_READ_PATH).path(VaultAccess.CANARY_VALUE_FIELD).asText())
                .isEqualTo(VaultAccess.CANARY_VALUE);
    }

    @Test
    void theLaunchingHandlersReadOnlyRoleCannotUseTheCanaryPaths() throws Exception {
        VaultCluster cluster = CLUSTER.cluster();
        VaultClient client = client(cluster);
        ClusterPort.Session reader = login(cluster, client, cluster.tlsServerName(), cluster.rig().handlerCredentials(dev.raftlifecycle.contract.HandlerNames.LAUNCHING_NAME, cluster.name()),
                VaultAccess.READ_ROLE);
        VaultNode node = cluster.runningNodes().get(0);
        assertThatThrownBy(() -> client.kvRead(node.ip(), reader, VaultAccess.CANARY_READ_PATH))
                .isInstanceOfSatisfying(ClusterCallException.class, e -> assertThat(e.failure()).isEqualTo(ReadFailure.DENIED));
        assertThatThrownBy(() -> client.kvWrite(node.ip(), reader, VaultAccess.CANARY_WRITE_PATH, java.util.Map.of("at", "x")))
                .isInstanceOfSatisfying(ClusterCallException.class, e -> assertThat(e.failure()).isEqualTo(ReadFailure.DENIED));
    }

    @Test
    void aReadOnlyPrincipalCannotLogInWithTheMutatingRole() {
        VaultCluster cluster = CLUSTER.cluster();
        VaultClient client = client(cluster);
        assertThatThrownBy(() -> login(cluster, client, cluster.tlsServerName(), cluster.rig().handlerCredentials(dev.raftlifecycle.contract.HandlerNames.LAUNCHING_NAME, cluster.name()),
                VaultAccess.MUTATING_ROLE))
                .isInstanceOfSatisfying(ClusterCallException.class, e -> assertThat(e.failure()).isEqualTo(ReadFailure.DENIED));
    }

    @Test
    void iamLoginGivesATokenThatReadsRaftStateButNotSecretsOrMounts() throws Exception {
        VaultCluster cluster = CLUSTER.cluster();
        VaultClient client = client(cluster);
        ClusterPort.Session session = login(cluster, client, cluster.tlsServerName());
        assertThat(session.expiresAt()).isAfter(Instant.now().plusSeconds(60));

        VaultNode node = cluster.runningNodes().get(0);
        assertThat(client.raftConfiguration(node.ip(), session)).extracting(RaftPeer::nodeId)
                .containsExactlyInAnyOrderElementsOf(cluster.raftNodeIds());
        assertThat(client.autopilotState(node.ip(), session).servers()).hasSize(3);

        // An independent client with the same token: denied outside the policy.
        assertThat(cluster.kvPut("smoke/secret", "x")).isTrue();
        VaultHttp http = cluster.http();
        assertThat(http.get(node.apiAddress(), "secret/smoke/secret", session.token()).status()).isEqualTo(403);
        assertThat(http.put(node.apiAddress(), "secret/smoke/other", session.token(), java.util.Map.of("v", "1")).status())
                .isEqualTo(403);
        assertThat(http.get(node.apiAddress(), "sys/mounts", session.token()).status()).isEqualTo(403);
        assertThat(http.get(node.apiAddress(), "sys/storage/raft/configuration", session.token()).status()).isEqualTo(200);
    }

    @Test
    void aLoginSignedForAnotherServerIdIsRefused() {
        VaultCluster cluster = CLUSTER.cluster();
        VaultClient client = client(cluster);
        assertThatThrownBy(() -> login(cluster, client, "some-other-vault.example"))
                .isInstanceOf(ClusterCallException.class)
                .satisfies(e -> assertThat(((ClusterCallException) e).failure()).isEqualTo(ReadFailure.DENIED))
                .hasMessageNotContaining("hvs.");
    }

    @Test
    void credentialsOfAPrincipalNotBoundToTheRoleAreRefused() {
        VaultCluster cluster = CLUSTER.cluster();
        VaultClient client = client(cluster);
        String arn = cluster.rig().iam().createUser(r -> r.userName("intruder-" + System.nanoTime())).user().arn();
        assertThat(arn).contains(":user/");
        var keys = cluster.rig().iam().createAccessKey(r -> r.userName(arn.substring(arn.lastIndexOf('/') + 1))).accessKey();
        IamLoginRequest.Payload payload = IamLoginRequest.sign(AwsBasicCredentials.create(keys.accessKeyId(),
                keys.secretAccessKey()), "https://sts.amazonaws.com/", "us-east-1", cluster.tlsServerName(), Clock.systemUTC());
        assertThatThrownBy(() -> client.login(cluster.runningNodes().get(0).ip(), "aws", VaultAccess.MUTATING_ROLE, payload,
                Instant.now())).isInstanceOf(ClusterCallException.class)
                .satisfies(e -> assertThat(((ClusterCallException) e).failure()).isEqualTo(ReadFailure.DENIED));
    }

    @Test
    void tlsVerificationRejectsACertificateThatDoesNotNameTheServerName() {
        VaultCluster cluster = CLUSTER.cluster();
        VaultClient wrongName = new VaultClient(VaultTls.context(cluster.caPem(), Optional.of("not-vault.example")),
                Duration.ofSeconds(1), Duration.ofSeconds(5), cluster.apiPort());
        VaultNode node = cluster.runningNodes().get(0);
        assertThat(wrongName.health(node.instanceId(), node.ip()).state())
                .isEqualTo(dev.raftlifecycle.decisions.NodeHealth.State.TLS_FAILURE);
        // Connecting by IP without a server name verifies the IP SAN instead.
        VaultClient byIp = new VaultClient(VaultTls.context(cluster.caPem(), Optional.empty()),
                Duration.ofSeconds(1), Duration.ofSeconds(5), cluster.apiPort());
        assertThat(byIp.health(node.instanceId(), node.ip()).unsealed()).isTrue();
    }
}
