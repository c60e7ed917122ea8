package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.events.Ec2Event;
import dev.raftlifecycle.events.Ec2EventParser;
import dev.raftlifecycle.handlers.InterruptionHandler;
import dev.raftlifecycle.handlers.ReconcilerHandler;
import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.RaftCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.RaftNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What lifecycle hooks never see, written once and run on every system ({@link Ec2EventsIT} on Vault,
 * {@link ConsulEc2EventsIT} on Consul; Spot groups): a server lost without a hook (its state-change events reach the
 * reconciler), Spot interruption warnings for a follower and for the leader under KV load, a warning whose removal would
 * break quorum, a warning for the leader retried once a dead peer is reconciled, a state change for a leader whose
 * server still runs, a warning after the terminate lifecycle action, rebalance recommendations. The truth each test
 * checks is the cluster's own (the Raft configuration, who leads, what was written), sampled while things happen.
 */
abstract class Ec2EventsCases {
    static final Duration LAMBDA_TIME = Duration.ofMinutes(2);

    RaftCluster cluster;
    HandlerHarness harness;

    abstract RaftClusterExtension<? extends RaftCluster> fixture();

    /**
     * How soon after a server is lost its peer is gone, the state change handled. Vault: within the 10 s the
     * grace-free path takes on a busy machine; Consul's removal of a dead server is a remove-peer and a force-leave.
     */
    abstract Duration lossWindow();

    /** A follower's peer was removed on a Spot warning, before Spot takes the instance: what the server does then. */
    abstract void assertRemovedBeforeItDies(RaftNode victim);

    /** After a lost server's peer was removed: whatever the system keeps beside Raft lets it go too. */
    void awaitGoneBesideRaft(RaftNode lost) {
    }

    @BeforeEach
    void setUp() {
        cluster = fixture().cluster();
        harness = new HandlerHarness(cluster).with(Settings.CLUSTER_NAME,
                cluster.name() + "-" + UUID.randomUUID().toString().substring(0, 8));
    }

    @AfterEach
    void restore() {
        cluster.heal(Duration.ofSeconds(120));
    }

    RaftNode leader() {
        return cluster.awaitLeader(Duration.ofSeconds(30));
    }

    List<RaftNode> followers() {
        RaftNode leader = leader();
        return cluster.runningNodes().stream().<RaftNode>map(n -> n).filter(n -> n != leader).toList();
    }

    @Test
    void aServerLostWithoutAHookLosesItsPeerWithinSecondsOfItsStateChangeWithALeaderThroughout() throws Exception {
        String leaderBefore = leader().instanceId();
        RaftNode victim = cluster.follower();
        ReconcilerHandler reconciler = harness.with(Settings.STALE_GRACE_SECONDS, "300").reconciler();
        try (LeaderWatch watch = new LeaderWatch(() -> cluster.leader().map(RaftNode::instanceId).orElse(""))) {
            Instant died = Instant.now();
            cluster.loseInstance(victim.instanceId()); // no hook: a host failure or an EC2 API termination

            // EC2 sends shutting-down, then terminated; EventBridge delivers each (at least once).
            ReconcilerHandler.EventOutcome first = reconciler.stateChange(event(EventBridgeEvents.stateChange(
                    victim.instanceId(), "shutting-down")), LAMBDA_TIME);
            Duration window = Duration.between(died, Instant.now());
            assertThat(first.action()).as(first.detail()).isEqualTo("REMOVED");
            assertThat(first.reason()).isEqualTo("voter-removed");
            assertThat(cluster.raftNodeIds()).doesNotContain(victim.instanceId()).hasSize(2);
            assertThat(window).isLessThan(lossWindow()); // the grace period (300 s) did not apply
            awaitGoneBesideRaft(victim);

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
    void aSpotWarningForAFollowerRemovesItsPeerBeforeItDiesWithoutAnElection() throws Exception {
        String leaderBefore = leader().instanceId();
        RaftNode victim = cluster.follower();
        InterruptionHandler handler = harness.interruption();
        try (LeaderWatch watch = new LeaderWatch(() -> cluster.leader().map(RaftNode::instanceId).orElse(""))) {
            InterruptionHandler.Outcome warned = handler.handle(cluster.rig().interruptSpot(victim.instanceId()), LAMBDA_TIME);
            assertThat(warned.action()).as(warned.detail()).isEqualTo("REMOVED");
            assertThat(warned.reason()).isEqualTo("voter-removed");
            assertThat(cluster.raftNodeIds()).doesNotContain(victim.instanceId());
            assertRemovedBeforeItDies(victim);

            // Two minutes later Spot takes the instance: its state change finds nothing left to do.
            cluster.loseInstance(victim.instanceId());
            ReconcilerHandler.EventOutcome late = harness.reconciler().stateChange(event(EventBridgeEvents.stateChange(
                    victim.instanceId(), "terminated")), LAMBDA_TIME);
            assertThat(late.action()).isEqualTo("NONE");
            // The same warning delivered again (EventBridge is at-least-once), after the instance is gone.
            InterruptionHandler.Outcome duplicate = handler.handle(cluster.rig().interruptSpot(victim.instanceId()), LAMBDA_TIME);
            assertThat(duplicate.action()).isEqualTo("NONE");
            assertThat(duplicate.reason()).isEqualTo("already-gone");
            watch.close();
            assertThat(watch.leaders()).containsExactly(leaderBefore);
        }
        assertThat(cluster.raftNodeIds()).hasSize(2);
        assertThat(harness.log).anySatisfy(l -> assertThat(l).contains("\"InterruptionWarnings\":1.0", "\"PeerRemoved\":1.0"));
    }

    @Test
    void aSpotWarningForTheLeaderHandsLeadershipOverThenRemovesItAndNoAcknowledgedWriteIsLost() throws Exception {
        RaftNode leader = leader();
        try (KvWriter writer = new KvWriter(cluster)) {
            writer.awaitWrites(20);
            InterruptionHandler.Outcome warned = harness.interruption().handle(
                    cluster.rig().interruptSpot(leader.instanceId()), LAMBDA_TIME);
            assertThat(warned.action()).as(warned.detail()).isEqualTo("REMOVED");
            assertThat(warned.steppedDown()).isTrue();
            assertThat(warned.reason()).isEqualTo("leader-removed");
            assertThat(cluster.raftNodeIds()).doesNotContain(leader.instanceId()).hasSize(2);
            assertThat(leader().instanceId()).isNotEqualTo(leader.instanceId());

            cluster.loseInstance(leader.instanceId()); // the interruption itself
            writer.awaitWrites(writer.acknowledged() + 20);
            writer.close();
            // Every acknowledged write is there, with its last acknowledged value or a later one.
            assertThat(writer.lost(cluster)).isEmpty();
        }
    }

    @Test
    void aWarningWhoseRemovalWouldBreakQuorumChangesNothingAndIsCounted() {
        List<RaftNode> followers = followers();
        followers.get(0).kill(); // a crash a second ago (the instance keeps running): autopilot may not know yet
        RaftNode warned = followers.get(1);

        // Delivered late: the interruption is 12 s away, so the handler's looks-again end soon.
        Instant sent = Instant.now().minusSeconds(108);
        InterruptionHandler.Outcome outcome = harness.interruption().handle(
                cluster.rig().interruptSpot(warned.instanceId(), sent), LAMBDA_TIME);

        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("KEPT");
        assertThat(outcome.reason()).isEqualTo("quorum-would-break");
        assertThat(Instant.now()).isBefore(sent.plusSeconds(120)); // it gave up before the interruption
        assertThat(cluster.raftNodeIds()).contains(warned.instanceId(), followers.get(0).instanceId()).hasSize(3);
        assertThat(warned.running()).as("not asked to leave").isTrue();
        assertThat(cluster.leader()).isPresent();
        assertThat(harness.log).anySatisfy(l -> assertThat(l).contains("\"InterruptionPeerKept\":1.0",
                "\"Reason\":\"quorum-would-break\""));
    }

    @Test
    void aWarningForTheLeaderRefusedWhileAnotherVoterIsDeadIsRetriedAndGoesOnceThatPeerIsReconciled() throws Exception {
        RaftNode leader = leader();
        RaftNode dead = followers().get(0);
        cluster.loseInstance(dead.instanceId()); // died a second ago, no hook
        Future<InterruptionHandler.Outcome> warned = HandlerHarness.THREADS.submit(() -> harness.interruption().handle(
                cluster.rig().interruptSpot(leader.instanceId()), LAMBDA_TIME));
        // While the dead voter is in the configuration, removing the leader would break quorum: nothing changes.
        sleep(4000);
        assertThat(cluster.raftNodeIds()).contains(leader.instanceId(), dead.instanceId());
        assertThat(warned.isDone()).isFalse();
        // The dead one's state change arrives and its peer goes; the warning's next look removes the leader.
        ReconcilerHandler.EventOutcome reconciled = harness.reconciler().stateChange(event(EventBridgeEvents.stateChange(
                dead.instanceId(), "shutting-down")), LAMBDA_TIME);
        assertThat(reconciled.action()).as(reconciled.detail()).isEqualTo("REMOVED");

        InterruptionHandler.Outcome outcome = warned.get();

        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("REMOVED");
        assertThat(outcome.steppedDown()).isTrue();
        assertThat(outcome.detail()).contains("quorum-would-break", "(attempt ");
        assertThat(cluster.raftNodeIds()).hasSize(1).doesNotContain(leader.instanceId(), dead.instanceId());
        assertThat(leader().instanceId()).isNotEqualTo(leader.instanceId());
    }

    @Test
    void aStateChangeForTheLeaderWhileItsServerStillRunsHandsLeadershipOverFirst() {
        RaftNode leader = leader();
        cluster.terminateInEc2(leader.instanceId()); // shutting down: the OS has not stopped the server yet

        ReconcilerHandler.EventOutcome outcome = harness.reconciler().stateChange(event(EventBridgeEvents.stateChange(
                leader.instanceId(), "shutting-down")), LAMBDA_TIME);

        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("REMOVED");
        assertThat(outcome.steppedDown()).isTrue();
        assertThat(outcome.reason()).isEqualTo("leader-removed");
        leader.kill();
        assertThat(cluster.raftNodeIds()).hasSize(2).doesNotContain(leader.instanceId());
        assertThat(leader().instanceId()).isNotEqualTo(leader.instanceId());
    }

    @Test
    void aWarningAfterTheTerminateLifecycleActionRemovedThePeerChangesNothing() {
        RaftNode victim = followers().get(0);
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(victim.instanceId());
        TerminatingHandler.Outcome terminated = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);
        assertThat(terminated.action()).isEqualTo("CONTINUE");
        Set<String> peers = cluster.raftNodeIds();

        // Capacity rebalancing terminated it ahead of the interruption; the warning arrives after.
        InterruptionHandler.Outcome late = harness.interruption().handle(
                cluster.rig().interruptSpot(victim.instanceId()), LAMBDA_TIME);
        assertThat(late.action()).isEqualTo("NONE");
        assertThat(late.reason()).isEqualTo("not-a-member");
        assertThat(cluster.raftNodeIds()).isEqualTo(peers);
    }

    @Test
    void rebalanceRecommendationsAreCountedUnlessConfiguredToActLikeAWarning() {
        RaftNode follower = followers().get(0);
        InterruptionHandler.Outcome counted = harness.interruption().handle(
                EventBridgeEvents.rebalance(follower.instanceId()), LAMBDA_TIME);
        assertThat(counted.action()).isEqualTo("COUNTED");
        assertThat(counted.reason()).isEqualTo("rebalance-counted");
        assertThat(cluster.raftNodeIds()).contains(follower.instanceId());
        assertThat(harness.log).anySatisfy(l -> assertThat(l).contains("\"RebalanceRecommendations\":1.0"));

        // Asked to act on them, it still does not for a group without Capacity Rebalancing: nothing would replace and
        // terminate the instance, which would run on outside Raft.
        InterruptionHandler.Outcome refused = harness.with(Settings.REBALANCE_ACTION, "interruption")
                .interruption().handle(EventBridgeEvents.rebalance(follower.instanceId()), LAMBDA_TIME);
        assertThat(refused.action()).as(refused.detail()).isEqualTo("COUNTED");
        assertThat(refused.reason()).isEqualTo("no-capacity-rebalance");
        assertThat(cluster.raftNodeIds()).contains(follower.instanceId());
    }

    static Ec2Event.StateChange event(byte[] json) {
        return Ec2EventParser.stateChange(json);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
