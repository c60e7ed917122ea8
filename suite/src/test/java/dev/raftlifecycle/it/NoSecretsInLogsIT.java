package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.contract.ConsulAccess;
import dev.raftlifecycle.contract.HandlerNames;
import dev.raftlifecycle.ports.ClusterPort;
import dev.raftlifecycle.ports.ConsulClient;
import dev.raftlifecycle.ports.IamLoginRequest;
import dev.raftlifecycle.ports.VaultTls;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.ConsulCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The secrets check itself (NoSecretsInLogs, run after every IT), on a real Consul cluster: a handler's Consul login
 * token is found by its value in a log line or on standard error, while its accessor id and other UUIDs, which may be
 * logged, are not taken for secrets.
 */
class NoSecretsInLogsIT {
    @RegisterExtension
    static final RaftClusterExtension<ConsulCluster> CLUSTER = RaftClusterExtension.consul(
            ClusterSpec.defaults().withName("no-secrets"));

    @Test
    void aConsulLoginTokenIsFoundByValueAndItsAccessorIsNot() throws Exception {
        ConsulCluster cluster = CLUSTER.cluster();
        ConsulClient client = new ConsulClient(VaultTls.context(cluster.caPem(), Optional.of(cluster.tlsServerName())),
                Duration.ofSeconds(1), Duration.ofSeconds(5), cluster.apiPort());
        IamLoginRequest.Payload payload = IamLoginRequest.sign(
                cluster.rig().handlerCredentials(HandlerNames.LAUNCHING_NAME, cluster.name()),
                "https://sts.amazonaws.com/", "us-east-1", client.serverIdHeader(), cluster.tlsServerName(),
                Clock.systemUTC());
        ClusterPort.Session session = client.login(cluster.runningNodes().get(0).ip(), ConsulAccess.AUTH_METHOD, "",
                payload, Instant.now());
        String secret = session.token();
        String accessor = cluster.http().get(cluster.runningNodes().get(0).apiAddress(), "acl/token/self", secret)
                .body().path("AccessorID").asText();
        assertThat(accessor).matches("[0-9a-f-]{36}").isNotEqualTo(secret);

        HandlerHarness harness = new HandlerHarness(cluster);
        String leak = "{\"event\":\"decision\",\"detail\":\"token " + secret + "\"}";
        List<String> harmless = List.of("{\"event\":\"decision\",\"accessor\":\"" + accessor + "\"}",
                "{\"event\":\"decision\",\"peer\":\"" + UUID.randomUUID() + "\"}");
        assertThat(harness.linesWithSecrets(List.of(leak))).containsExactly(leak);
        assertThat(harness.linesWithSecrets(harmless)).isEmpty();
        // Standard error: the same, by value, across every harness's cluster.
        assertThat(NoSecretsInLogs.stderrLinesWithSecrets(List.of("java.lang.IllegalStateException: " + secret),
                List.of(harness))).hasSize(1);
        assertThat(NoSecretsInLogs.stderrLinesWithSecrets(harmless, List.of(harness))).isEmpty();
    }
}
