package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.handlers.LaunchingHandler;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.ConsulCluster;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.RaftNode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link LifecycleCases} on three real Consul servers (SYSTEM=consul), and Consul's own first-deploy moments: before the
 * operator's ACL set-up, and a missing auth method on a cluster read with a token before.
 */
class ConsulLifecycleIT extends LifecycleCases {
    @RegisterExtension
    static final RaftClusterExtension<ConsulCluster> CLUSTER =
            RaftClusterExtension.consul(ClusterSpec.defaults().withName("consul-life"));

    @Override
    RaftClusterExtension<ConsulCluster> fixture() {
        return CLUSTER;
    }

    /**
     * Serf had not noticed the death yet, so the force-leave could not prune it: it lingers as a member until Serf
     * marks it failed. What matters: autopilot, which reads Serf, settles healthy on the two remaining servers.
     */
    @Override
    void awaitSettledWithout(RaftNode lost) {
        ConsulCluster consul = CLUSTER.cluster();
        consul.await("autopilot healthy without " + lost.instanceId(), Duration.ofSeconds(40), () -> {
            com.fasterxml.jackson.databind.JsonNode health = consul.autopilot();
            return health.path("Healthy").asBoolean(false) && health.path("Servers").size() == 2;
        });
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
        assertThat(cluster.raftNodeIds()).contains(newId);
        assertThat(harness.log).anySatisfy(l -> assertThat(l).contains("\"Reason\":\"access-not-set-up\""));

        RaftNode follower = cluster.follower();
        LifecycleRecorder.LifecycleAction termination = cluster.openTermination(follower.instanceId());
        dev.raftlifecycle.handlers.TerminatingHandler.Outcome refused = harness.terminating()
                .handle(EventBridgeEvents.forAction(termination), Duration.ofMinutes(2));
        assertThat(refused.action()).isEqualTo("ABANDON");
        assertThat(refused.reason()).isEqualTo("auth-failed");
        assertThat(cluster.raftNodeIds()).contains(follower.instanceId());
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
}
