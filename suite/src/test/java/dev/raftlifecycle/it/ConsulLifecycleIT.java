package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.handlers.HealthPublisherHandler;
import dev.raftlifecycle.handlers.LaunchingHandler;
import dev.raftlifecycle.handlers.ReconcilerHandler;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.ConsulCluster;
import dev.raftlifecycle.rig.ConsulClusterExtension;
import dev.raftlifecycle.rig.ConsulNode;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.GetMetricDataResponse;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataQuery;

/**
 * The launching handler, the publisher and the reconciler, unchanged, on three real Consul servers (SYSTEM=consul).
 * Expectations are read back from Consul with the management token and from the emulator's CloudWatch.
 */
class ConsulLifecycleIT {
    private static final Duration LAMBDA_TIME = Duration.ofMinutes(15);

    @RegisterExtension
    static final ConsulClusterExtension CLUSTER = new ConsulClusterExtension(ClusterSpec.defaults().withName("consul-life"));

    private ConsulCluster cluster;
    private HandlerHarness harness;
    private String namespace;
    private String dimension;

    @BeforeEach
    void setUp() {
        cluster = CLUSTER.cluster();
        String run = UUID.randomUUID().toString().substring(0, 8);
        namespace = "RaftLifecycleIT/Consul/" + run;
        dimension = cluster.name() + "-" + run;
        harness = new HandlerHarness(cluster).with(Settings.METRICS_NAMESPACE, namespace).with(Settings.CLUSTER_NAME, dimension);
    }

    @AfterEach
    void restoreThreeVoters() {
        assertThat(harness.uncheckedLinesWithSecrets()).isEmpty();
        cluster.heal(Duration.ofSeconds(120));
    }

    /** A follower taken out (as a completed termination would) and its replacement's instance id (no process yet). */
    private String replaceAFollower() {
        ConsulNode follower = cluster.follower();
        cluster.removePeerByName(follower.instanceId());
        return cluster.finishTermination(follower.instanceId());
    }

    private String groupOf(String instanceId) {
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
        JsonNode server = null;
        for (JsonNode s : cluster.autopilot().path("Servers")) {
            if (s.path("Name").asText().equals(newId)) {
                server = s;
            }
        }
        assertThat(server).isNotNull();
        assertThat(server.path("Healthy").asBoolean()).isTrue();
        assertThat(server.path("Voter").asBoolean()).isTrue();
        Instant stableSince = OffsetDateTime.parse(server.path("StableSince").asText()).toInstant();
        // The rig's server_stabilization_time (3 s): CONTINUE only after the server had been stable that long.
        assertThat(continued.at()).isAfterOrEqualTo(stableSince.plus(Duration.ofSeconds(3)));
        assertThat(cluster.raftNodeNames()).contains(newId).hasSize(3);
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

    /**
     * A first deploy before the operator's ACL setup: Consul answers every login that its auth method does not exist
     * (here: the handlers are pointed at a method that was never created). A launch whose server follows this cluster's
     * leader is let through on what the servers answer without a token (the groups would otherwise replace the first
     * servers in a loop); a termination, which needs the token to be safe, is refused.
     */
    @Test
    void beforeTheAclSetupALaunchIsLetThroughOnTokenFreeAnswersAndATerminationIsRefused() throws Exception {
        harness.with(Settings.VAULT_AUTH_MOUNT, "raft-lifecycle-not-created-yet");
        String newId = replaceAFollower();
        LifecycleRecorder.LifecycleAction action = cluster.openLaunch(groupOf(newId), newId);
        LaunchingHandler handler = harness.launching();
        CompletableFuture<LaunchingHandler.Outcome> running = CompletableFuture.supplyAsync(
                () -> handler.handle(EventBridgeEvents.forAction(action), LAMBDA_TIME), HandlerHarness.THREADS);
        Thread.sleep(1500);
        assertThat(running).as("not before its server runs and follows a leader").isNotDone();
        cluster.startNode(newId);

        LaunchingHandler.Outcome outcome = running.join();

        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("CONTINUE");
        assertThat(outcome.reason()).isEqualTo("access-not-set-up");
        assertThat(cluster.raftNodeNames()).contains(newId);
        assertThat(harness.log).anySatisfy(l -> assertThat(l).contains("\"Reason\":\"access-not-set-up\""));

        ConsulNode follower = cluster.follower();
        LifecycleRecorder.LifecycleAction termination = cluster.openTermination(follower.instanceId());
        dev.raftlifecycle.handlers.TerminatingHandler.Outcome refused = harness.terminating()
                .handle(EventBridgeEvents.forAction(termination), Duration.ofMinutes(2));
        assertThat(refused.action()).isEqualTo("ABANDON");
        assertThat(refused.reason()).isEqualTo("auth-failed");
        assertThat(cluster.raftNodeNames()).contains(follower.instanceId());
        assertThat(follower.running()).isTrue();
    }

    /**
     * The same refusal on a cluster the handlers have read with their token before (the auth method deleted or
     * misnamed since): an ordinary refused login, and nothing is let through on token-free answers.
     */
    @Test
    void onceTheClusterWasReadWithATokenAMissingAuthMethodLetsNoLaunchThrough() {
        assertThat(harness.publisher().run(Duration.ofMinutes(1)).metrics()).containsEntry("LeaderPresent", 1.0);
        harness.with(Settings.VAULT_AUTH_MOUNT, "raft-lifecycle-deleted-since").with(Settings.LAUNCH_MAX_WAIT_SECONDS, "8");
        String newId = replaceAFollower();
        LifecycleRecorder.LifecycleAction action = cluster.openLaunch(groupOf(newId), newId);
        cluster.startNode(newId);

        LaunchingHandler.Outcome outcome = harness.launching().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("auth-failed");
        assertThat(cluster.rig().recorder().outcome(action.token())).contains("ABANDON");
    }

    @Test
    void thePublisherReportsTheClusterAndAServerKilledASecondAgoIsNotCountedHealthy() {
        HealthPublisherHandler.Outcome healthy = harness.publisher().run(Duration.ofMinutes(1));
        assertThat(healthy.metrics()).containsEntry("LeaderPresent", 1.0).containsEntry("RaftPeers", 3.0)
                .containsEntry("Voters", 3.0).containsEntry("HealthyVoters", 3.0).containsEntry("AutopilotHealthy", 1.0)
                .containsEntry("FailureTolerance", 1.0).containsEntry("UnreachableNodes", 0.0)
                .containsEntry("StalePeers", 0.0).containsEntry("VersionCount", 1.0).containsEntry("ExpectedServers", 3.0);
        assertThat(readBack(MetricName.HEALTHY_VOTERS)).isEqualTo(3.0);
        // The leader's Raft commit time, from its own agent/metrics (agent:read in the read policy), after a write.
        Double commitMs = null;
        for (int attempt = 0; attempt < 3 && commitMs == null; attempt++) {
            assertThat(cluster.kvPut("publisher/commit-" + attempt, "x")).isTrue();
            commitMs = harness.publisher().run(Duration.ofMinutes(1)).metrics().get("RaftCommitTimeMs");
        }
        assertThat(commitMs).as("RaftCommitTimeMs after a write").isNotNull().isBetween(0.0, 5000.0);
        assertThat(readBack(MetricName.LEADER_PRESENT)).isEqualTo(1.0);

        ConsulNode victim = cluster.follower();
        victim.kill();
        HealthPublisherHandler.Outcome justAfter = harness.publisher().run(Duration.ofMinutes(1));
        assertThat(justAfter.metrics()).containsEntry("HealthyVoters", 2.0).containsEntry("UnreachableNodes", 1.0)
                .containsEntry("LeaderPresent", 1.0);
    }

    @Test
    void theReconcilerRemovesAPeerWhoseInstanceIsTerminated() {
        ConsulNode victim = cluster.follower();
        cluster.terminateInEc2(victim.instanceId());

        ReconcilerHandler.Outcome run = harness.reconciler().run(LAMBDA_TIME);

        assertThat(run.stale()).containsExactly(victim.instanceId());
        assertThat(run.removed()).containsExactly(victim.instanceId());
        assertThat(cluster.raftNodeNames()).doesNotContain(victim.instanceId()).hasSize(2);
        // Serf had not noticed the death yet, so the force-leave could not prune it: it lingers as a member until Serf
        // marks it failed. What matters: autopilot, which reads Serf, settles healthy on the two remaining servers.
        cluster.await("autopilot healthy without " + victim.instanceId(), Duration.ofSeconds(40), () -> {
            JsonNode health = cluster.autopilot();
            return health.path("Healthy").asBoolean(false) && health.path("Servers").size() == 2;
        });
    }

    /** The Maximum of one publisher metric over the last ten minutes, read back from the emulator's CloudWatch. */
    private double readBack(MetricName name) {
        GetMetricDataResponse response = cluster.rig().cloudWatch().getMetricData(r -> r.metricDataQueries(
                MetricDataQuery.builder().id("q").metricStat(st -> st.stat("Maximum").period(600).metric(metric -> metric
                        .namespace(namespace).metricName(name.metricName()).dimensions(Dimension.builder()
                                .name(MetricName.CLUSTER_DIMENSION).value(dimension).build()))).build())
                .startTime(Instant.now().minus(Duration.ofMinutes(10))).endTime(Instant.now().plus(Duration.ofMinutes(1))));
        List<Double> values = response.metricDataResults().get(0).values();
        assertThat(values).as(name.metricName()).isNotEmpty();
        return values.get(0);
    }
}
