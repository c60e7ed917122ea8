package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.events.Ec2Event;
import dev.raftlifecycle.events.Ec2EventParser;
import dev.raftlifecycle.handlers.InterruptionHandler;
import dev.raftlifecycle.handlers.ReconcilerHandler;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.ConsulCluster;
import dev.raftlifecycle.rig.ConsulClusterExtension;
import dev.raftlifecycle.rig.ConsulNode;
import dev.raftlifecycle.rig.EventBridgeEvents;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link Ec2EventsIT}'s beyond-the-hooks cases on three real Consul servers: a server lost without a hook (EC2 state
 * change), Spot interruption warnings for a follower and for the leader, a warning refused while another voter is
 * dead and retried once that peer is reconciled, and a state change for a leader whose server still runs.
 */
class ConsulEc2EventsIT {
    private static final Duration LAMBDA_TIME = Duration.ofMinutes(2);

    @RegisterExtension
    static final ConsulClusterExtension CLUSTER = new ConsulClusterExtension(ClusterSpec.defaults().withName("consul-ec2").withSpot());

    private ConsulCluster cluster;
    private HandlerHarness harness;

    @BeforeEach
    void setUp() {
        cluster = CLUSTER.cluster();
        harness = new HandlerHarness(cluster).with(Settings.CLUSTER_NAME,
                cluster.name() + "-" + UUID.randomUUID().toString().substring(0, 8));
    }

    @AfterEach
    void restore() {
        assertThat(harness.uncheckedLinesWithSecrets()).isEmpty();
        cluster.heal(Duration.ofSeconds(120));
    }

    private ConsulNode leader() {
        cluster.await("a leader", Duration.ofSeconds(30), () -> cluster.leader().isPresent());
        return cluster.leader().orElseThrow();
    }

    @Test
    void aServerKilledWithoutAHookLosesItsPeerWithinSecondsOfItsStateChangeWithALeaderThroughout() throws Exception {
        String leaderBefore = leader().instanceId();
        ConsulNode victim = cluster.follower();
        ReconcilerHandler reconciler = harness.with(Settings.STALE_GRACE_SECONDS, "300").reconciler();
        try (LeaderWatch watch = new LeaderWatch(() -> cluster.leader().map(ConsulNode::instanceId).orElse(""))) {
            Instant died = Instant.now();
            cluster.terminateInEc2(victim.instanceId()); // killed, and terminated in EC2 without a hook

            ReconcilerHandler.EventOutcome first = reconciler.stateChange(event(EventBridgeEvents.stateChange(
                    victim.instanceId(), "shutting-down")), LAMBDA_TIME);
            Duration window = Duration.between(died, Instant.now());
            assertThat(first.action()).as(first.detail()).isEqualTo("REMOVED");
            assertThat(first.reason()).isEqualTo("voter-removed");
            assertThat(cluster.raftNodeNames()).doesNotContain(victim.instanceId()).hasSize(2);
            // Not the 8 s a force-leave through the leader costs (it holds the leader's configuration reads meanwhile).
            assertThat(window).isLessThan(Duration.ofSeconds(5));
            // Out of Serf too (the force-leave with prune, which Serf completes some seconds later), so the leader has
            // nothing to reconcile it back from; and it stays out of Raft meanwhile.
            cluster.await(victim.instanceId() + " out of Serf", Duration.ofSeconds(20), () -> {
                assertThat(cluster.raftNodeNames()).doesNotContain(victim.instanceId());
                return List.of("left", "none").contains(cluster.members().getOrDefault(victim.instanceId(), "none"));
            });

            ReconcilerHandler.EventOutcome second = reconciler.stateChange(event(EventBridgeEvents.stateChange(
                    victim.instanceId(), "terminated")), LAMBDA_TIME);
            assertThat(second.action()).isEqualTo("NONE");
            assertThat(second.reason()).isEqualTo("not-a-member");
            watch.close();
            assertThat(watch.leaders()).containsExactly(leaderBefore);
        }
        assertThat(harness.log).anySatisfy(l -> assertThat(l).contains("\"event\":\"state-change\"", "\"StalePeersRemoved\":1.0"));
    }

    @Test
    void aSpotWarningForAFollowerMakesItLeaveBeforeItDiesWithoutAnElection() throws Exception {
        String leaderBefore = leader().instanceId();
        ConsulNode victim = cluster.follower();
        InterruptionHandler handler = harness.interruption();
        try (LeaderWatch watch = new LeaderWatch(() -> cluster.leader().map(ConsulNode::instanceId).orElse(""))) {
            InterruptionHandler.Outcome warned = handler.handle(cluster.rig().interruptSpot(victim.instanceId()), LAMBDA_TIME);
            assertThat(warned.action()).as(warned.detail()).isEqualTo("REMOVED");
            assertThat(warned.reason()).isEqualTo("voter-removed");
            assertThat(cluster.raftNodeNames()).doesNotContain(victim.instanceId());
            // Consul's removal of a live server is its graceful leave: "left" in Serf, then its process ends.
            cluster.await(victim.instanceId() + " left", Duration.ofSeconds(15),
                    () -> cluster.members().getOrDefault(victim.instanceId(), "none").equals("left") && !victim.running());

            cluster.terminateInEc2(victim.instanceId()); // two minutes later Spot takes the instance
            ReconcilerHandler.EventOutcome late = harness.reconciler().stateChange(event(EventBridgeEvents.stateChange(
                    victim.instanceId(), "terminated")), LAMBDA_TIME);
            assertThat(late.action()).isEqualTo("NONE");
            InterruptionHandler.Outcome duplicate = handler.handle(cluster.rig().interruptSpot(victim.instanceId()), LAMBDA_TIME);
            assertThat(duplicate.action()).isEqualTo("NONE");
            assertThat(duplicate.reason()).isEqualTo("already-gone");
            watch.close();
            assertThat(watch.leaders()).containsExactly(leaderBefore);
        }
        assertThat(cluster.raftNodeNames()).hasSize(2);
        assertThat(harness.log).anySatisfy(l -> assertThat(l).contains("\"InterruptionWarnings\":1.0", "\"PeerRemoved\":1.0"));
    }

    @Test
    void aSpotWarningForTheLeaderTransfersLeadershipThenRemovesItAndWritesGoOn() {
        ConsulNode leader = leader();
        assertThat(cluster.kvPut("spot/before", "kept")).isTrue();

        InterruptionHandler.Outcome warned = harness.interruption().handle(
                cluster.rig().interruptSpot(leader.instanceId()), LAMBDA_TIME);

        assertThat(warned.action()).as(warned.detail()).isEqualTo("REMOVED");
        assertThat(warned.steppedDown()).isTrue();
        assertThat(warned.reason()).isEqualTo("leader-removed");
        assertThat(cluster.raftNodeNames()).doesNotContain(leader.instanceId()).hasSize(2);
        ConsulNode next = leader();
        assertThat(next.instanceId()).isNotEqualTo(leader.instanceId());
        cluster.terminateInEc2(leader.instanceId());
        assertThat(cluster.kvGet("spot/before")).contains("kept");
        assertThat(cluster.kvPut("spot/after", "written")).isTrue();
    }

    @Test
    void aWarningWhoseRemovalWouldBreakQuorumChangesNothingAndIsCounted() {
        ConsulNode leader = leader();
        List<ConsulNode> followers = cluster.runningNodes().stream().filter(n -> n != leader).toList();
        followers.get(0).kill(); // a crash a second ago (the instance keeps running): autopilot may not know yet
        ConsulNode warned = followers.get(1);
        Instant sent = Instant.now().minusSeconds(108); // delivered late: the interruption is 12 s away

        InterruptionHandler.Outcome outcome = harness.interruption().handle(
                cluster.rig().interruptSpot(warned.instanceId(), sent), LAMBDA_TIME);

        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("KEPT");
        assertThat(outcome.reason()).isEqualTo("quorum-would-break");
        assertThat(Instant.now()).isBefore(sent.plusSeconds(120));
        assertThat(cluster.raftNodeNames()).contains(warned.instanceId(), followers.get(0).instanceId()).hasSize(3);
        assertThat(warned.running()).as("not asked to leave").isTrue();
        assertThat(cluster.leader()).isPresent();
        assertThat(harness.log).anySatisfy(l -> assertThat(l).contains("\"InterruptionPeerKept\":1.0",
                "\"Reason\":\"quorum-would-break\""));
    }

    @Test
    void aWarningForTheLeaderRefusedWhileAnotherVoterIsDeadIsRetriedAndGoesOnceThatPeerIsReconciled() throws Exception {
        ConsulNode leader = leader();
        ConsulNode dead = cluster.runningNodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        cluster.terminateInEc2(dead.instanceId()); // died a second ago, no hook
        Future<InterruptionHandler.Outcome> warned = HandlerHarness.THREADS.submit(() -> harness.interruption().handle(cluster.rig().interruptSpot(leader.instanceId()),
                LAMBDA_TIME));
        sleep(4000);
        assertThat(cluster.raftNodeNames()).contains(leader.instanceId(), dead.instanceId());
        assertThat(warned.isDone()).isFalse();
        ReconcilerHandler.EventOutcome reconciled = harness.reconciler().stateChange(event(EventBridgeEvents.stateChange(
                dead.instanceId(), "shutting-down")), LAMBDA_TIME);
        assertThat(reconciled.action()).as(reconciled.detail()).isEqualTo("REMOVED");

        InterruptionHandler.Outcome outcome = warned.get();

        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("REMOVED");
        assertThat(outcome.steppedDown()).isTrue();
        assertThat(outcome.detail()).contains("quorum-would-break", "(attempt ");
        assertThat(cluster.raftNodeNames()).hasSize(1).doesNotContain(leader.instanceId(), dead.instanceId());
        assertThat(leader().instanceId()).isNotEqualTo(leader.instanceId());
    }

    @Test
    void aStateChangeForTheLeaderWhileItsServerStillRunsTransfersLeadershipFirst() {
        ConsulNode leader = leader();
        // Shutting down: the OS has not stopped Consul yet.
        cluster.rig().ec2().terminateInstances(r -> r.instanceIds(leader.instanceId()));

        ReconcilerHandler.EventOutcome outcome = harness.reconciler().stateChange(event(EventBridgeEvents.stateChange(
                leader.instanceId(), "shutting-down")), LAMBDA_TIME);

        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("REMOVED");
        assertThat(outcome.steppedDown()).isTrue();
        assertThat(outcome.reason()).isEqualTo("leader-removed");
        leader.kill();
        assertThat(cluster.raftNodeNames()).hasSize(2).doesNotContain(leader.instanceId());
        assertThat(leader().instanceId()).isNotEqualTo(leader.instanceId());
    }

    private static Ec2Event.StateChange event(byte[] json) {
        return Ec2EventParser.stateChange(json);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
