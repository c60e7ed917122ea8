package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.handlers.HealthPublisherHandler;
import dev.raftlifecycle.handlers.LaunchingHandler;
import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.VaultNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The first deploy: three real Vault processes that nobody has initialized yet. The lifecycle handlers
 * must not fight the operator: launches and terminations complete CONTINUE (reason cluster-uninitialized),
 * and the publisher still reports what it sees.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class FirstDeployIT {
    @RegisterExtension
    static final RaftClusterExtension<VaultCluster> CLUSTER = RaftClusterExtension.vault(ClusterSpec.defaults().uninitialized());

    @Test
    void launchesOfAllThreeGroupsContinueInParallelWhileNoNodeIsInitialized() {
        VaultCluster cluster = CLUSTER.cluster();
        HandlerHarness harness = new HandlerHarness(cluster);
        List<VaultNode> nodes = List.copyOf(cluster.nodes());
        assertThat(nodes).hasSize(3).allSatisfy(n -> assertThat(cluster.healthCode(n)).isEqualTo(501));

        List<CompletableFuture<LaunchingHandler.Outcome>> runs = nodes.stream().map(node -> {
            LifecycleRecorder.LifecycleAction action = cluster.openLaunch(node.groupName(), node.instanceId());
            LaunchingHandler handler = harness.launching();
            return CompletableFuture.supplyAsync(() -> handler.handle(EventBridgeEvents.forAction(action), Duration.ofMinutes(15)), HandlerHarness.THREADS);
        }).toList();

        for (CompletableFuture<LaunchingHandler.Outcome> run : runs) {
            LaunchingHandler.Outcome outcome = run.join();
            assertThat(outcome.action()).isEqualTo("CONTINUE");
            assertThat(outcome.reason()).isEqualTo("cluster-uninitialized");
            assertThat(outcome.completion()).isEqualTo("COMPLETED");
        }
        assertThat(harness.log).filteredOn(l -> l.contains("cluster-uninitialized")).hasSize(3);
    }

    @Test
    void aTerminationContinuesWhileNoNodeIsInitialized() {
        VaultCluster cluster = CLUSTER.cluster();
        HandlerHarness harness = new HandlerHarness(cluster);
        VaultNode node = cluster.nodes().iterator().next();
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(node.instanceId());

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), Duration.ofMinutes(5));

        assertThat(outcome.action()).isEqualTo("CONTINUE");
        assertThat(outcome.reason()).isEqualTo("cluster-uninitialized");
        assertThat(cluster.rig().recorder().outcome(action.token())).contains("CONTINUE");
    }

    @Test
    @Order(1)
    void thePublisherReportsNoLeaderAndThreeUninitializedNodesAndLeavesTheGroupsOnEc2HealthChecks() {
        VaultCluster cluster = CLUSTER.cluster();
        HealthPublisherHandler.Outcome outcome = new HandlerHarness(cluster).publisher().run(Duration.ofMinutes(1));
        assertThat(outcome.reachability()).isEqualTo("UNINITIALIZED");
        assertThat(outcome.metrics()).containsEntry("LeaderPresent", 0.0).containsEntry("UninitializedNodes", 3.0)
                .containsEntry("ExpectedServers", 3.0).doesNotContainKey("RaftPeers")
                // The init-window alarm's metric: nobody has initialized the cluster yet.
                .containsEntry("ClusterInitialized", 0.0);
        // The uninitialized nodes fail the load balancer's check: with ELB checks the groups would replace them.
        assertThat(outcome.elbHealthChecks()).startsWith("in place (every running instance answered 501");
        assertThat(healthCheckTypes(cluster)).containsOnly("EC2");
    }

    /** Last: it initializes the cluster. */
    @Test
    @Order(Integer.MAX_VALUE)
    void afterOperatorInitThePublisherReportsTheGroupsReadyForElbChecksOnceTheLoadBalancerCanHaveSeenEveryNodeHealthy()
            throws Exception {
        VaultCluster cluster = CLUSTER.cluster();
        HandlerHarness harness = new HandlerHarness(cluster);
        assertThat(healthCheckTypes(cluster)).containsOnly("EC2");
        VaultNode first = cluster.nodes().iterator().next();
        // What an operator's `vault operator init` does (recovery keys: the KMS key unseals).
        dev.raftlifecycle.rig.VaultHttp.Reply init = cluster.http().put(first.apiAddress(), "sys/init", null,
                java.util.Map.of("recovery_shares", 1, "recovery_threshold", 1));
        assertThat(init.ok()).isTrue();
        // The rig did not initialize this cluster, so it holds no token: read autopilot with the one init returned.
        String rootToken = init.body().path("root_token").asText();
        cluster.await("the initialized node active", Duration.ofSeconds(60), () -> cluster.healthCode(first) == 200);
        boolean othersStillJoining = cluster.nodes().stream().anyMatch(n -> cluster.healthCode(n) != 200
                && cluster.healthCode(n) != 429);

        HealthPublisherHandler.Outcome justAfter = harness.publisher().run(Duration.ofMinutes(1));
        // Seen by the first run after the init (before any handler can log in): the init-window alarm's metric.
        assertThat(justAfter.metrics()).containsEntry("ClusterInitialized", 1.0);
        if (othersStillJoining) {
            assertThat(justAfter.elbHealthChecks()).startsWith("not ready: ");
        }
        cluster.await("every node joined and unsealed", Duration.ofSeconds(90), () -> cluster.nodes().stream()
                .allMatch(n -> cluster.healthCode(n) == 200 || cluster.healthCode(n) == 429));
        // What the operator runs next (the first-deploy steps in infra/README.md): without it no handler can log in.
        cluster.configureAfterOperatorInit(rootToken);
        cluster.await("every node a healthy Raft server", Duration.ofSeconds(90), () -> cluster.nodes().stream()
                .allMatch(n -> healthyServer(cluster, first, rootToken, n)));
        // Every node passes now, but not yet for as long as the load balancer needs to count it healthy.
        HealthPublisherHandler.Outcome passing = harness.publisher().run(Duration.ofMinutes(1));
        assertThat(passing.elbHealthChecks()).startsWith("not ready: not passing the load balancer's check for long enough");

        Thread.sleep(dev.raftlifecycle.decisions.HealthCheckSwitch.SETTLE.toMillis());
        HealthPublisherHandler.Outcome settled = harness.publisher().run(Duration.ofMinutes(1));

        // Reported for the operator's deploy with elbHealthChecks=true; the publisher itself changes no group.
        assertThat(settled.elbHealthChecks()).startsWith("ready: ").contains("elbHealthChecks=true")
                .contains(cluster.groupNames().stream().map(g -> g + ":ELB").toList().toString().replace("[", "").replace("]", "").split(", ")[0]);
        assertThat(healthCheckTypes(cluster)).containsOnly("EC2");
        assertThat(harness.awsCalls()).noneMatch(c -> c.endsWith("UpdateAutoScalingGroup"));
    }

    /** Whether autopilot, asked through {@code via}, reports {@code node} a healthy server (false while it cannot answer). */
    private static boolean healthyServer(VaultCluster cluster, VaultNode via, String token, VaultNode node) {
        try {
            dev.raftlifecycle.rig.VaultHttp.Reply state = cluster.http().get(via.apiAddress(),
                    "sys/storage/raft/autopilot/state", token);
            return state.ok() && state.data().path("servers").path(node.instanceId()).path("healthy").asBoolean(false);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static List<String> healthCheckTypes(VaultCluster cluster) {
        return cluster.rig().autoScaling().describeAutoScalingGroups(r -> r.autoScalingGroupNames(cluster.groupNames()))
                .autoScalingGroups().stream().map(g -> g.healthCheckType()).toList();
    }
}
