package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.Net;
import dev.raftlifecycle.rig.RaftCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.RaftNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The terminating handler against a real 3-server cluster of every system ({@link TerminatingHandlerIT} Vault,
 * {@link ConsulTerminatingIT} Consul) and the AWS emulator: a follower and the leader removed, the same event twice,
 * an expired action, an instance that is not a member, a voter already dead (settled and a second ago), an unreachable
 * cluster, a certificate for another name, one group emptied. What each test expects is read back from the cluster.
 */
abstract class TerminatingCases {
    static final Duration LAMBDA_TIME = Duration.ofMinutes(5);

    RaftCluster cluster;
    HandlerHarness harness;

    abstract RaftClusterExtension<? extends RaftCluster> fixture();

    /** A removed follower stays out: whatever the system could add it back from lets it go too. */
    void assertGoneForGood(RaftNode removed) {
    }

    /** What the decision line says of the wait after a leadership hand-over, where the system has one. */
    void assertQuietPeriodAfterHandOver(String decisionLine) {
    }

    @BeforeEach
    void setUp() {
        cluster = fixture().cluster();
        harness = new HandlerHarness(cluster);
    }

    @AfterEach
    void restoreThreeVoters() {
        cluster.heal(Duration.ofSeconds(120));
    }

    List<LifecycleRecorder.LifecycleCall> completions(LifecycleRecorder.LifecycleAction action) {
        return cluster.rig().recorder().lifecycleCalls(action.token()).stream()
                .filter(c -> c.action().equals("CompleteLifecycleAction")).toList();
    }

    List<RaftNode> followers() {
        RaftNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        return cluster.runningNodes().stream().<RaftNode>map(n -> n).filter(n -> n != leader).toList();
    }

    @Test
    void removesAFollowerThenContinuesAndDataWrittenBeforeSurvives() {
        assertThat(cluster.kvPut("terminating/before", "kept")).isTrue();
        RaftNode follower = cluster.follower();
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("CONTINUE");
        assertThat(outcome.reason()).isEqualTo("voter-removed");
        assertThat(outcome.peerRemoved()).isTrue();
        assertThat(outcome.steppedDown()).isFalse();
        assertThat(cluster.raftNodeIds()).doesNotContain(follower.instanceId()).hasSize(2);
        assertThat(completions(action)).singleElement().satisfies(c -> {
            assertThat(c.result()).isEqualTo("CONTINUE");
            assertThat(c.accepted()).isTrue();
            assertThat(c.token()).isEqualTo(action.token());
        });
        assertGoneForGood(follower);
        cluster.finishTermination(follower.instanceId());
        cluster.awaitLeader(Duration.ofSeconds(30));
        assertThat(cluster.kvGet("terminating/before")).contains("kept");
        assertThat(harness.log).anySatisfy(line -> assertThat(line)
                .contains("\"action\":\"CONTINUE\"", "\"PeerRemoved\":1.0", "\"CloudWatchMetrics\"")
                .doesNotContain("hvs.", cluster.adminToken()));
    }

    @Test
    void removesTheLeaderAfterHandingLeadershipOver() {
        RaftNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(leader.instanceId());

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("CONTINUE");
        assertThat(outcome.steppedDown()).isTrue();
        assertThat(outcome.peerRemoved()).isTrue();
        assertThat(outcome.reason()).isEqualTo("leader-removed");
        assertThat(cluster.raftNodeIds()).doesNotContain(leader.instanceId()).hasSize(2);
        assertThat(cluster.awaitLeader(Duration.ofSeconds(30)).instanceId()).isNotEqualTo(leader.instanceId());
        assertThat(completions(action)).extracting(LifecycleRecorder.LifecycleCall::result).containsExactly("CONTINUE");
        assertQuietPeriodAfterHandOver(harness.log.stream().filter(l -> l.contains("\"event\":\"decision\""))
                .reduce((a, b) -> b).orElseThrow());
        cluster.finishTermination(leader.instanceId());
        assertThat(cluster.kvPut("terminating/after-leader", "ok")).isTrue();
    }

    @Test
    void theSameEventTwiceRemovesOnceAndBothDeliveriesCompleteWithoutError() {
        RaftNode follower = cluster.follower();
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());
        byte[] event = EventBridgeEvents.forAction(action);
        TerminatingHandler handler = harness.terminating();

        TerminatingHandler.Outcome first = handler.handle(event, LAMBDA_TIME);
        TerminatingHandler.Outcome second = handler.handle(event, LAMBDA_TIME);

        assertThat(first.peerRemoved()).isTrue();
        assertThat(first.completion()).isEqualTo("COMPLETED");
        // The second delivery finds the action ended (its opening heartbeat is refused) and changes nothing.
        assertThat(second.action()).isEqualTo("NONE");
        assertThat(second.reason()).isEqualTo("already-ended");
        assertThat(second.peerRemoved()).isFalse();
        assertThat(second.completion()).isEqualTo("ALREADY_ENDED");
        assertThat(completions(action)).extracting(LifecycleRecorder.LifecycleCall::accepted).containsExactly(true);
        assertThat(harness.log.stream().filter(l -> l.contains("\"PeerRemoved\":1.0")).count()).isEqualTo(1);
        assertThat(cluster.raftNodeIds()).hasSize(2);
        cluster.finishTermination(follower.instanceId());
    }

    @Test
    void anExpiredLifecycleActionIsTreatedAsDone() {
        RaftNode follower = cluster.follower();
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());
        byte[] event = EventBridgeEvents.forAction(action);
        cluster.rig().recorder().expire(action.token());

        TerminatingHandler.Outcome outcome = harness.terminating().handle(event, LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("NONE");
        assertThat(outcome.reason()).isEqualTo("already-ended");
        assertThat(outcome.completion()).isEqualTo("ALREADY_ENDED");
        assertThat(outcome.peerRemoved()).isFalse();
        // The group already decided (an expired terminate action with the retain policy keeps the instance, the
        // server running): nothing is changed and nothing is retried.
        assertThat(cluster.raftNodeIds()).contains(follower.instanceId()).hasSize(3);
        assertThat(follower.running()).isTrue();
        assertThat(completions(action)).isEmpty();
        assertThat(cluster.rig().recorder().lifecycleCalls(action.token()))
                .extracting(LifecycleRecorder.LifecycleCall::action).containsExactly("RecordLifecycleActionHeartbeat");
        cluster.finishTermination(follower.instanceId());
    }

    @Test
    void anInstanceThatIsNotAMemberContinuesAndNothingIsRemoved() throws Exception {
        // An instance of the group whose server never joined (its first boot failed, say), scaled in.
        String group = cluster.groupNames().get(0);
        String stranger = cluster.launchInstance(group);
        LifecycleRecorder.LifecycleAction action = cluster.rig().recorder().open(group, cluster.terminateHook(),
                stranger, "autoscaling:EC2_INSTANCE_TERMINATING");

        // Through the Lambda entry point, as the runtime calls it.
        java.io.ByteArrayOutputStream output = new java.io.ByteArrayOutputStream();
        harness.terminating().handleRequest(new java.io.ByteArrayInputStream(EventBridgeEvents.forAction(action)), output,
                new dev.raftlifecycle.rig.LocalLambdaContext(LAMBDA_TIME));
        com.fasterxml.jackson.databind.JsonNode outcome = new com.fasterxml.jackson.databind.ObjectMapper().readTree(output.toByteArray());

        assertThat(outcome.path("action").asText()).isEqualTo("CONTINUE");
        assertThat(outcome.path("reason").asText()).isEqualTo("not-a-member");
        assertThat(outcome.path("peerRemoved").asBoolean()).isFalse();
        assertThat(cluster.raftNodeIds()).hasSize(3);
        assertThat(cluster.rig().recorder().outcome(action.token())).contains("CONTINUE");
        cluster.retireInstance(stranger);
    }

    /** Once the cluster has seen a voter dead: a healthy voter is refused, the dead one may go. */
    @Test
    void withAVoterAlreadyDeadTerminatingAHealthyVoterIsRefusedButTheDeadOneIsRemoved() {
        RaftNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        List<RaftNode> followers = followers();
        RaftNode dead = followers.get(0);
        RaftNode healthy = followers.get(1);
        dead.kill();
        cluster.await("autopilot to see " + dead.instanceId() + " unhealthy", Duration.ofSeconds(60),
                () -> cluster.autopilotServer(dead.instanceId()).map(s -> !s.healthy()).orElse(true));

        LifecycleRecorder.LifecycleAction refused = cluster.openTermination(healthy.instanceId());
        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(refused), LAMBDA_TIME);
        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("quorum-would-break");
        assertThat(outcome.peerRemoved()).isFalse();
        assertThat(cluster.raftNodeIds()).hasSize(3);
        assertThat(healthy.running()).as("not asked to leave").isTrue();
        assertThat(cluster.rig().recorder().outcome(refused.token())).contains("ABANDON");
        assertThat(harness.log).anySatisfy(l -> assertThat(l).contains("\"LifecycleAbandon\":1.0", "quorum-would-break"));

        // The dead one may go: it is already lost, and removing it restores a majority of healthy voters.
        LifecycleRecorder.LifecycleAction deadOne = cluster.openTermination(dead.instanceId());
        TerminatingHandler.Outcome removed = harness.terminating().handle(EventBridgeEvents.forAction(deadOne), LAMBDA_TIME);
        assertThat(removed.action()).isEqualTo("CONTINUE");
        assertThat(removed.peerRemoved()).isTrue();
        assertThat(cluster.raftNodeIds()).containsExactlyInAnyOrder(leader.instanceId(), healthy.instanceId());
    }

    /** The moment before things settle: a voter died a second ago, autopilot may still call it healthy. */
    @Test
    void justAfterAVoterDiedTerminatingAHealthyVoterIsRefused() {
        List<RaftNode> followers = followers();
        RaftNode dead = followers.get(0);
        RaftNode healthy = followers.get(1);
        dead.kill();

        LifecycleRecorder.LifecycleAction refused = cluster.openTermination(healthy.instanceId());
        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(refused), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("quorum-would-break");
        assertThat(outcome.peerRemoved()).isFalse();
        assertThat(cluster.raftNodeIds()).contains(healthy.instanceId(), dead.instanceId());
        assertThat(healthy.running()).as("not asked to leave").isTrue();
    }

    @Test
    void anUnreachableClusterIsRetriedABoundedNumberOfTimesThenAbandoned() {
        RaftNode follower = cluster.follower();
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());
        // Nothing listens on this port on the nodes' addresses: every probe is refused.
        harness.with(Settings.VAULT_PORT, Integer.toString(Net.freePort())).with(Settings.CLUSTER_ATTEMPTS, "3");

        long started = System.nanoTime();
        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("cluster-unreachable");
        // Exactly the configured number of attempts (with backoff between them), then it gives up.
        assertThat(harness.log).filteredOn(l -> l.contains("\"event\":\"decision\""))
                .singleElement().satisfies(l -> assertThat(l).contains("\"clusterAttempts\":3"));
        assertThat(took).isLessThan(Duration.ofSeconds(30));
        assertThat(cluster.raftNodeIds()).hasSize(3);
        assertThat(cluster.rig().recorder().outcome(action.token())).contains("ABANDON");
    }

    @Test
    void aCertificateThatDoesNotNameTheConfiguredServerIsATlsFailureAndAbandons() {
        RaftNode follower = cluster.follower();
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());
        harness.with(Settings.VAULT_TLS_SERVER_NAME, "impostor.example.internal");

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("tls-failure");
        assertThat(cluster.raftNodeIds()).hasSize(3);
    }

    /** One group emptied on its own is an ordinary termination (decommissioning is judged per cluster). */
    @Test
    void emptyingOneGroupOfAHealthyClusterIsAnOrdinaryRemoval() {
        RaftNode follower = cluster.follower();
        String group = follower.groupName();
        // The group scaled to 0 as Auto Scaling shows it while the terminate hook holds its instance (moto would drop
        // the instance from the group at once): the desired capacity shown is 0, the instance is in Terminating:Wait.
        int capacity = cluster.groupInstanceIds(group).size();
        cluster.rig().recorder().adjustDesiredCapacity(group, -capacity);
        LifecycleRecorder.LifecycleAction action = cluster.rig().recorder().open(group, cluster.terminateHook(),
                follower.instanceId(), "autoscaling:EC2_INSTANCE_TERMINATING");

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("CONTINUE");
        assertThat(outcome.reason()).isEqualTo("voter-removed");
        assertThat(outcome.peerRemoved()).isTrue();
        assertThat(cluster.raftNodeIds()).doesNotContain(follower.instanceId());
    }
}
