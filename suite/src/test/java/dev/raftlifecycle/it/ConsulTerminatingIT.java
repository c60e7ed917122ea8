package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.ConsulCluster;
import dev.raftlifecycle.rig.ConsulClusterExtension;
import dev.raftlifecycle.rig.ConsulNode;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The terminating handler, unchanged, on three real Consul servers (SYSTEM=consul): the same decisions as for Vault,
 * with Consul's port underneath. What each test expects is read back from Consul with the rig's management token.
 */
class ConsulTerminatingIT {
    private static final Duration LAMBDA_TIME = Duration.ofMinutes(5);

    @RegisterExtension
    static final ConsulClusterExtension CLUSTER = new ConsulClusterExtension(ClusterSpec.defaults().withName("consul-term"));

    private ConsulCluster cluster;
    private HandlerHarness harness;

    @BeforeEach
    void setUp() {
        cluster = CLUSTER.cluster();
        harness = new HandlerHarness(cluster);
    }

    @AfterEach
    void restoreThreeVoters() {
        assertThat(harness.uncheckedLinesWithSecrets()).isEmpty();
        cluster.heal(Duration.ofSeconds(120));
    }

    @Test
    void removesAFollowerThenContinues() throws InterruptedException {
        ConsulNode follower = cluster.follower();
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("CONTINUE");
        assertThat(outcome.reason()).isEqualTo("voter-removed");
        assertThat(outcome.peerRemoved()).isTrue();
        assertThat(cluster.raftNodeNames()).doesNotContain(follower.instanceId()).hasSize(2);
        assertThat(cluster.rig().recorder().outcome(action.token())).contains("CONTINUE");
        // It left gracefully (Serf says "left", or has pruned it), so the leader cannot add it back to Raft as it does
        // an alive server it finds in Serf (a voter that then dies with its instance would count toward quorum).
        cluster.await(follower.instanceId() + " left in Serf", Duration.ofSeconds(15),
                () -> !"alive".equals(cluster.members().getOrDefault(follower.instanceId(), "none"))
                        && !"failed".equals(cluster.members().getOrDefault(follower.instanceId(), "none")));
        long until = System.nanoTime() + Duration.ofSeconds(Long.getLong("consul.rejoin.watch", 15)).toNanos();
        while (System.nanoTime() < until) {
            assertThat(cluster.raftNodeNames()).doesNotContain(follower.instanceId());
            Thread.sleep(500);
        }
        cluster.finishTermination(follower.instanceId());
        cluster.await("a leader", Duration.ofSeconds(30), () -> cluster.leader().isPresent());
    }

    @Test
    void removesTheLeaderAfterTransferringLeadership() {
        ConsulNode leader = cluster.leader().orElseThrow();
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(leader.instanceId());

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("CONTINUE");
        assertThat(outcome.steppedDown()).isTrue();
        assertThat(outcome.peerRemoved()).isTrue();
        assertThat(outcome.reason()).isEqualTo("leader-removed");
        assertThat(cluster.raftNodeNames()).doesNotContain(leader.instanceId()).hasSize(2);
        assertThat(cluster.leader()).isPresent().get().isNotEqualTo(leader);
        cluster.finishTermination(leader.instanceId());
    }

    /** The moment before things settle: a voter died a second ago, autopilot may still call it healthy. */
    @Test
    void justAfterAVoterDiedTerminatingAHealthyVoterIsRefused() {
        ConsulNode leader = cluster.leader().orElseThrow();
        List<ConsulNode> followers = cluster.runningNodes().stream().filter(n -> n != leader).toList();
        ConsulNode dead = followers.get(0);
        ConsulNode healthy = followers.get(1);
        dead.kill();

        LifecycleRecorder.LifecycleAction refused = cluster.openTermination(healthy.instanceId());
        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(refused), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("quorum-would-break");
        assertThat(outcome.peerRemoved()).isFalse();
        assertThat(cluster.raftNodeNames()).contains(healthy.instanceId(), dead.instanceId());

        // The dead one may go: it is already lost, and removing it restores a majority of healthy voters.
        LifecycleRecorder.LifecycleAction deadOne = cluster.openTermination(dead.instanceId());
        TerminatingHandler.Outcome removed = harness.terminating().handle(EventBridgeEvents.forAction(deadOne), LAMBDA_TIME);
        assertThat(removed.action()).isEqualTo("CONTINUE");
        assertThat(removed.peerRemoved()).isTrue();
        assertThat(cluster.raftNodeNames()).containsExactlyInAnyOrder(leader.instanceId(), healthy.instanceId());
    }

    @Test
    void anInstanceThatIsNotAMemberContinuesAndNothingIsRemoved() {
        // An instance of the group whose Consul never joined (its first boot failed, say), scaled in.
        String stranger = cluster.launchInstance(cluster.groupNames().get(0));
        LifecycleRecorder.LifecycleAction action = cluster.rig().recorder().open(cluster.groupNames().get(0),
                cluster.terminateHook(), stranger, "autoscaling:EC2_INSTANCE_TERMINATING");

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("CONTINUE");
        assertThat(outcome.reason()).isEqualTo("not-a-member");
        assertThat(cluster.raftNodeNames()).hasSize(3);
        cluster.rig().autoScaling().terminateInstanceInAutoScalingGroup(r -> r.instanceId(stranger)
                .shouldDecrementDesiredCapacity(true));
    }

    @Test
    void theSameEventTwiceRemovesOnceAndALateOneForAnEndedActionChangesNothing() {
        ConsulNode follower = cluster.follower();
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());
        byte[] event = EventBridgeEvents.forAction(action);
        TerminatingHandler handler = harness.terminating();

        TerminatingHandler.Outcome first = handler.handle(event, LAMBDA_TIME);
        TerminatingHandler.Outcome second = handler.handle(event, LAMBDA_TIME);

        assertThat(first.peerRemoved()).isTrue();
        assertThat(first.completion()).isEqualTo("COMPLETED");
        assertThat(second.action()).isEqualTo("NONE");
        assertThat(second.reason()).isEqualTo("already-ended");
        assertThat(second.peerRemoved()).isFalse();
        assertThat(cluster.raftNodeNames()).hasSize(2);
        cluster.finishTermination(follower.instanceId());

        // A late event for an action that expired: nothing is touched.
        ConsulNode other = cluster.follower();
        LifecycleRecorder.LifecycleAction expired = cluster.openTermination(other.instanceId());
        cluster.rig().recorder().expire(expired.token());
        TerminatingHandler.Outcome late = harness.terminating().handle(EventBridgeEvents.forAction(expired), LAMBDA_TIME);
        assertThat(late.reason()).isEqualTo("already-ended");
        assertThat(cluster.raftNodeNames()).contains(other.instanceId()).hasSize(2);
    }

    @Test
    void anUnreachableClusterIsAbandonedAfterTheConfiguredAttempts() {
        ConsulNode follower = cluster.follower();
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());
        harness.with(Settings.VAULT_PORT, Integer.toString(dev.raftlifecycle.rig.Net.freePort()))
                .with(Settings.CLUSTER_ATTEMPTS, "3");

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("cluster-unreachable");
        assertThat(cluster.raftNodeNames()).hasSize(3);
        assertThat(cluster.rig().recorder().outcome(action.token())).contains("ABANDON");
    }

    @Test
    void aCertificateThatDoesNotNameTheConfiguredServerIsATlsFailureAndAbandons() {
        ConsulNode follower = cluster.follower();
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());
        harness.with(Settings.VAULT_TLS_SERVER_NAME, "impostor.example.internal");

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("tls-failure");
        assertThat(cluster.raftNodeNames()).hasSize(3);
    }
}
