package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.handlers.HealthPublisherHandler;
import dev.raftlifecycle.handlers.LaunchingHandler;
import dev.raftlifecycle.handlers.ReconcilerHandler;
import dev.raftlifecycle.rig.AutopilotServer;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.RaftCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.RaftNode;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The launching handler, the publisher and the reconciler on a real 3-server cluster of every system ({@link LifecycleIT}
 * Vault, {@link ConsulLifecycleIT} Consul): a launch let through only once autopilot has the new server as a stable
 * healthy voter, a launch whose server never starts, the publisher's view of a healthy cluster and of a server killed a
 * second ago (read back from the emulator's CloudWatch), the reconciler removing a lost server's peer at once. The
 * system-specific launches (Vault's seal, retry_join; Consul's ACL set-up) are in the subclasses and
 * {@link LaunchingHandlerIT}.
 */
abstract class LifecycleCases {
    static final Duration LAMBDA_TIME = Duration.ofMinutes(15);

    RaftCluster cluster;
    HandlerHarness harness;
    PublishedMetrics published;

    abstract RaftClusterExtension<? extends RaftCluster> fixture();

    /** Once a lost server's peer is gone: the system's own view settles on the servers left. */
    void awaitSettledWithout(RaftNode lost) {
    }

    @BeforeEach
    void setUp() {
        cluster = fixture().cluster();
        String run = UUID.randomUUID().toString().substring(0, 8);
        String namespace = "RaftLifecycleIT/" + cluster.system().value() + "/" + run;
        String dimension = cluster.name() + "-" + run;
        published = new PublishedMetrics(cluster.rig(), namespace, dimension);
        harness = new HandlerHarness(cluster).with(Settings.METRICS_NAMESPACE, namespace).with(Settings.CLUSTER_NAME, dimension);
    }

    @AfterEach
    void restoreThreeVoters() {
        cluster.heal(Duration.ofSeconds(120));
    }

    /** A follower taken out (as a completed termination would) and its replacement's instance id (no process yet). */
    String replaceAFollower() {
        RaftNode follower = cluster.follower();
        cluster.removePeer(follower.instanceId());
        String group = follower.groupName();
        String replacement = cluster.finishTermination(follower.instanceId());
        assertThat(cluster.groupInstanceIds(group)).contains(replacement);
        return replacement;
    }

    String groupOf(String instanceId) {
        return cluster.groupNames().stream().filter(g -> cluster.groupInstanceIds(g).contains(instanceId)).findFirst().orElseThrow();
    }

    @Test
    void aLaunchContinuesOnlyOnceAutopilotHasTheNewServerAsAStableHealthyVoter() throws Exception {
        String newId = replaceAFollower();
        LifecycleRecorder.LifecycleAction action = cluster.openLaunch(groupOf(newId), newId);
        LaunchingHandler handler = harness.launching();
        CompletableFuture<LaunchingHandler.Outcome> running = CompletableFuture.supplyAsync(
                () -> handler.handle(EventBridgeEvents.forAction(action), LAMBDA_TIME), HandlerHarness.THREADS);
        Thread.sleep(1500); // the instance boots a little later, as a real one would
        assertThat(cluster.rig().recorder().isOpen(action.token())).isTrue();
        cluster.startNode(newId);

        LaunchingHandler.Outcome outcome = running.join();

        assertThat(outcome.action()).isEqualTo("CONTINUE");
        assertThat(outcome.reason()).isEqualTo("ready");
        LifecycleRecorder.LifecycleCall continued = cluster.rig().recorder().lifecycleCalls(action.token()).stream()
                .filter(c -> c.action().equals("CompleteLifecycleAction")).findFirst().orElseThrow();
        assertThat(continued.result()).isEqualTo("CONTINUE");
        AutopilotServer server = cluster.autopilotServer(newId).orElseThrow();
        assertThat(server.healthy()).isTrue();
        assertThat(server.voter()).isTrue();
        // Ordering: the CONTINUE was sent only once the server had been stable for server_stabilization_time.
        assertThat(continued.at()).isAfterOrEqualTo(server.stableSince().orElseThrow().plus(cluster.spec().stabilizationTime()));
        assertThat(cluster.raftNodeIds()).contains(newId).hasSize(3);
        assertThat(harness.awsCalls()).contains("autoscaling:CompleteLifecycleAction");
    }

    @Test
    void aLaunchWhoseServerNeverStartsIsAbandonedAsUnreachable() {
        String newId = replaceAFollower();
        LifecycleRecorder.LifecycleAction action = cluster.openLaunch(groupOf(newId), newId);
        harness.with(Settings.LAUNCH_MAX_WAIT_SECONDS, "6");

        LaunchingHandler.Outcome outcome = harness.launching().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("unreachable");
        assertThat(cluster.rig().recorder().outcome(action.token())).contains("ABANDON");
    }

    @Test
    void thePublisherReportsTheClusterAndAServerKilledASecondAgoIsNotCountedHealthy() {
        HealthPublisherHandler.Outcome healthy = harness.publisher().run(Duration.ofMinutes(1));
        assertThat(healthy.metrics()).containsEntry("LeaderPresent", 1.0).containsEntry("RaftPeers", 3.0)
                .containsEntry("Voters", 3.0).containsEntry("HealthyVoters", 3.0).containsEntry("AutopilotHealthy", 1.0)
                .containsEntry("FailureTolerance", 1.0).containsEntry("UnreachableNodes", 0.0)
                .containsEntry("StalePeers", 0.0).containsEntry("VersionCount", 1.0).containsEntry("ExpectedServers", 3.0);
        assertThat(published.readBack(MetricName.HEALTHY_VOTERS, "Maximum")).contains(3.0);
        // The leader's Raft commit time, from its own metrics endpoint, once the interval holding a write has ended.
        Double commitMs = CommitTimeAfterWrite.read(() -> cluster.kvPut("publisher/commit", "x"),
                () -> harness.publisher().run(Duration.ofMinutes(1)).metrics());
        assertThat(commitMs).as("RaftCommitTimeMs after a write").isNotNull().isBetween(0.0, 5000.0);
        assertThat(published.readBack(MetricName.LEADER_PRESENT, "Maximum")).contains(1.0);

        RaftNode victim = cluster.follower();
        victim.kill();
        HealthPublisherHandler.Outcome justAfter = harness.publisher().run(Duration.ofMinutes(1));
        assertThat(justAfter.metrics()).containsEntry("HealthyVoters", 2.0).containsEntry("UnreachableNodes", 1.0)
                .containsEntry("LeaderPresent", 1.0);
    }

    /** "terminated" is final: the next scheduled run removes the peer at once, whatever the grace period. */
    @Test
    void aLostServerWhoseInstanceIsTerminatedIsRemovedByTheNextRunWithoutAGracePeriod() {
        harness.with(Settings.STALE_GRACE_SECONDS, "300");
        RaftNode victim = cluster.follower();
        cluster.loseInstance(victim.instanceId());

        ReconcilerHandler.Outcome run = harness.reconciler().run(Duration.ofMinutes(1));

        assertThat(run.stale()).containsExactly(victim.instanceId());
        assertThat(run.removed()).containsExactly(victim.instanceId());
        assertThat(cluster.raftNodeIds()).doesNotContain(victim.instanceId()).hasSize(2);
        assertThat(cluster.leader()).isPresent();
        awaitSettledWithout(victim);
    }
}
