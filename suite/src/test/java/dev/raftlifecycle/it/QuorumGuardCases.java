package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.contract.LifecycleEvents;
import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.ports.MutationLock;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.RaftCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.RaftNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The quorum guard at the moments before the view settles, written once and run on every system (a subclass per
 * system gives the cluster, {@link QuorumGuardIT} Vault's, {@link ConsulQuorumGuardIT} Consul's): a group emptied while
 * a voter elsewhere is dead, a second delivery waiting on the lock, an action that ends right before the removal, a
 * leadership change after which a follower dies, a lease too short, two healthy terminations at once, the floor with
 * no replacement, a decommission. The removal underneath is each system's own (Vault's remove-peer, Consul's graceful
 * leave of the live server); the decisions are the same code. Each test asserts the cluster and the recorded lifecycle
 * calls afterwards. A node that was not removed still runs (a Consul server asked to leave would have stopped).
 */
abstract class QuorumGuardCases {
    /** The group tag that declared a decommission before it became a deployment setting. */
    static final String OLD_DECOMMISSION_TAG = "raft-lifecycle:decommission";
    static final Duration LAMBDA_TIME = Duration.ofMinutes(5);

    RaftCluster cluster;
    HandlerHarness harness;

    /** The subclass's cluster fixture. */
    abstract RaftClusterExtension<? extends RaftCluster> fixture();

    /** What the system keeps beside Raft about a server that was not removed (Consul: Serf still has it alive). */
    void assertStillAMember(RaftNode node) {
    }

    @BeforeEach
    void setUp() {
        cluster = fixture().cluster();
        harness = new HandlerHarness(cluster).with(Settings.LIFECYCLE_HEARTBEAT_SECONDS, "60");
    }

    @AfterEach
    void restore() {
        cluster.untagGroups(OLD_DECOMMISSION_TAG);
        cluster.heal(Duration.ofSeconds(120));
    }

    List<RaftNode> followers() {
        RaftNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        return cluster.runningNodes().stream().<RaftNode>map(n -> n).filter(n -> n != leader).toList();
    }

    List<String> completions(LifecycleRecorder.LifecycleAction action) {
        return cluster.rig().recorder().lifecycleCalls(action.token()).stream()
                .filter(c -> c.action().equals("CompleteLifecycleAction") && c.accepted()).map(c -> c.result()).toList();
    }

    @Test
    void emptyingOneGroupWhileAVoterElsewhereIsDeadIsRefused() {
        List<RaftNode> followers = followers();
        RaftNode dead = followers.get(0);
        RaftNode leaving = followers.get(1);
        assertThat(cluster.kvPut("guard/before", "kept")).isTrue();
        dead.kill();
        String group = leaving.groupName();
        // The group scaled to 0 as Auto Scaling shows it while the terminate hook holds its instance (moto would drop
        // the instance from the group at once): the desired capacity shown is 0, the instance is in Terminating:Wait.
        int capacity = cluster.groupInstanceIds(group).size();
        cluster.rig().recorder().adjustDesiredCapacity(group, -capacity);
        LifecycleRecorder.LifecycleAction action = cluster.rig().recorder().open(group, cluster.terminateHook(),
                leaving.instanceId(), LifecycleEvents.TERMINATING_TRANSITION);

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("quorum-would-break");
        assertThat(outcome.detail()).contains(dead.instanceId() + "=no-answer");
        assertThat(cluster.raftNodeIds()).contains(leaving.instanceId(), dead.instanceId()).hasSize(3);
        assertThat(leaving.running()).as("not asked to leave").isTrue();
        assertThat(completions(action)).containsExactly("ABANDON");
        assertThat(cluster.kvGet("guard/before")).contains("kept");
    }

    /**
     * Declared by the deployment, a decommission bypasses the guard: here the voter floor, which would hold a second
     * healthy termination of a three-server cluster until a replacement joins. The tag earlier versions honoured no
     * longer does. (With a voter already dead the removal would take the quorum away, which is what taking a cluster
     * down means; the decision tests cover it, this one keeps its cluster alive for the next test.)
     */
    @Test
    void aDecommissionDeclaredByTheDeploymentRemovesThePeerWithoutTheFloorAndTheOldTagDoesNot() {
        List<RaftNode> followers = followers();
        LifecycleRecorder.LifecycleAction first = cluster.openTermination(followers.get(0).instanceId());
        assertThat(harness.terminating().handle(EventBridgeEvents.forAction(first), LAMBDA_TIME).reason()).isEqualTo("voter-removed");
        // The tag on every group: it no longer switches the guard off (anyone allowed to tag a group could): the floor
        // holds the second healthy voter until the invocation's deadline.
        cluster.tagGroups(OLD_DECOMMISSION_TAG, "true");
        LifecycleRecorder.LifecycleAction tagged = cluster.openTermination(followers.get(1).instanceId());
        TerminatingHandler.Outcome held = harness.terminating().handle(EventBridgeEvents.forAction(tagged),
                Duration.ofSeconds(25));
        assertThat(held.action()).as(held.detail()).isEqualTo("ABANDON");
        assertThat(held.reason()).isEqualTo("voter-floor");
        assertThat(cluster.raftNodeIds()).contains(followers.get(1).instanceId());
        cluster.rig().recorder().lifecycleState(followers.get(1).instanceId(), null); // back in service

        // Declared by the deployment (DECOMMISSION, the CDK context value decommission): the guard is bypassed.
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(followers.get(1).instanceId());
        TerminatingHandler.Outcome outcome = new HandlerHarness(cluster).with(Settings.DECOMMISSION, "true").terminating()
                .handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("CONTINUE");
        assertThat(outcome.reason()).isEqualTo("decommissioning");
        assertThat(outcome.peerRemoved()).isTrue();
        assertThat(cluster.raftNodeIds()).containsExactly(cluster.leader().orElseThrow().instanceId());
        assertThat(cluster.kvPut("guard/alone", "ok")).isTrue();
        cluster.finishTermination(followers.get(0).instanceId());
        cluster.finishTermination(followers.get(1).instanceId());
    }

    @Test
    void aSecondDeliveryWaitingForTheLockWhileTheFirstAbandonsChangesNothingEvenOnceTheClusterIsHealthy() {
        RaftNode follower = followers().get(0);
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());
        byte[] event = EventBridgeEvents.forAction(action);
        MutationLock competitor = new MutationLock(harness.dynamo(), harness.lockTable, cluster.name(), Clock.systemUTC());
        assertThat(competitor.tryAcquire("another-change", Instant.now(), Instant.now().plusSeconds(120))).isTrue();

        // The second delivery passes its opening check and waits for the lock...
        TerminatingHandler second = harness.terminating();
        CompletableFuture<TerminatingHandler.Outcome> waiting = CompletableFuture.supplyAsync(() -> second.handle(event, LAMBDA_TIME), HandlerHarness.THREADS);
        sleep(1500);
        assertThat(waiting).isNotDone();
        // ...while the first gives up on the lock and ABANDONs (the instance is retained, the server keeps running).
        TerminatingHandler.Outcome first = harness.terminating().handle(event, Duration.ofSeconds(5));
        assertThat(first.action()).isEqualTo("ABANDON");
        assertThat(first.reason()).isEqualTo("lock-timeout");
        // The cluster is perfectly healthy now; the lock comes free.
        assertThat(competitor.release("another-change")).isTrue();

        TerminatingHandler.Outcome late = waiting.join();

        assertThat(late.action()).isEqualTo("NONE");
        assertThat(late.reason()).isEqualTo("already-ended");
        assertThat(late.peerRemoved()).isFalse();
        assertThat(cluster.raftNodeIds()).contains(follower.instanceId()).hasSize(3);
        assertThat(follower.running()).isTrue();
        assertThat(completions(action)).containsExactly("ABANDON");
    }

    @Test
    void anActionThatEndsRightBeforeTheRemovalStopsEverything() {
        RaftNode follower = followers().get(0);
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());
        // Heartbeats: 1 opening, 2 after the lock, 3 right before the removal: the action times out there.
        cluster.rig().recorder().onHeartbeat(action.token(), ordinal -> ordinal == 3);

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("NONE");
        assertThat(outcome.reason()).isEqualTo("already-ended");
        assertThat(outcome.detail()).contains("before the remove-peer");
        assertThat(outcome.peerRemoved()).isFalse();
        assertThat(cluster.raftNodeIds()).contains(follower.instanceId()).hasSize(3);
        assertThat(follower.running()).as("no leave was sent").isTrue();
        assertStillAMember(follower);
        assertThat(completions(action)).isEmpty();
    }

    @Test
    void theRemovalAfterALeadershipChangeIsDecidedOnTheViewAfterTheNewLeaderAppeared() {
        RaftNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(leader.instanceId());
        // Heartbeats: 1 opening, 2 after the lock, 3 before the step-down (Consul: leadership transfer), 4 once another
        // server leads: a follower dies right then. Removing the old leader now would leave one live voter of two.
        cluster.rig().recorder().onHeartbeat(action.token(), ordinal -> {
            if (ordinal == 4) {
                RaftNode newLeader = cluster.leader().orElseThrow();
                cluster.runningNodes().stream().filter(n -> n != leader && n != newLeader).findFirst().orElseThrow().kill();
            }
            return false;
        });

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.steppedDown()).isTrue();
        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("quorum-would-break");
        assertThat(outcome.peerRemoved()).isFalse();
        assertThat(cluster.raftNodeIds()).contains(leader.instanceId()).hasSize(3);
        assertThat(leader.running()).as("the old leader was not asked to leave").isTrue();
        assertThat(cluster.leader()).get().extracting(RaftNode::instanceId).isNotEqualTo(leader.instanceId());
        assertThat(cluster.kvPut("guard/after-leadership-change", "ok")).isTrue();
    }

    @Test
    void aRemovalIsNotStartedWhenTheLeaseCannotCoverTheCallAndItsConfirmation() {
        RaftNode follower = followers().get(0);
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());

        // 15 s of Lambda time, 2 s margin: a lease of 13 s, against 3 s for the call and 15 s to confirm it.
        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), Duration.ofSeconds(15));

        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("lease-too-short");
        assertThat(outcome.detail()).contains("remove-peer not started");
        assertThat(cluster.raftNodeIds()).contains(follower.instanceId()).hasSize(3);
        assertThat(follower.running()).isTrue();
    }

    @Test
    void twoHealthyTerminationsAtOnceTheSecondWaitsForTheFloorThenProceedsOnceTheReplacementJoined() {
        List<RaftNode> followers = followers();
        harness.with(Settings.STEP_DOWN_WAIT_SECONDS, "5");
        List<LifecycleRecorder.LifecycleAction> actions = followers.stream()
                .map(f -> cluster.openTermination(f.instanceId())).toList();
        List<CompletableFuture<TerminatingHandler.Outcome>> runs = actions.stream().map(a -> {
            TerminatingHandler handler = harness.terminating();
            return CompletableFuture.supplyAsync(() -> handler.handle(EventBridgeEvents.forAction(a), Duration.ofMinutes(3)), HandlerHarness.THREADS);
        }).toList();
        // The first to get the lock removes its peer: three expected servers, a floor of two healthy voters.
        TerminatingHandler.Outcome first = (TerminatingHandler.Outcome) CompletableFuture.anyOf(
                runs.toArray(CompletableFuture[]::new)).join();
        assertThat(first.action()).isEqualTo("CONTINUE");
        assertThat(first.peerRemoved()).isTrue();
        int firstIndex = first.instanceId().equals(followers.get(0).instanceId()) ? 0 : 1;
        CompletableFuture<TerminatingHandler.Outcome> secondRun = runs.get(1 - firstIndex);
        RaftNode secondNode = followers.get(1 - firstIndex);
        sleep(3000);
        assertThat(secondRun).as("the second waits for a replacement").isNotDone();
        assertThat(cluster.raftNodeIds()).contains(secondNode.instanceId());
        assertThat(secondNode.running()).isTrue();

        // Auto Scaling replaces the first: its replacement joins and is promoted.
        String replacement = cluster.finishTermination(first.instanceId());
        cluster.startNode(replacement);
        cluster.awaitVoter(replacement, Duration.ofSeconds(90));

        TerminatingHandler.Outcome second = secondRun.join();
        assertThat(second.action()).isEqualTo("CONTINUE");
        assertThat(second.peerRemoved()).isTrue();
        assertThat(harness.log).anySatisfy(l -> assertThat(l).contains("\"instance\":\"" + secondNode.instanceId() + "\"")
                .containsPattern("\"floorWaits\":[1-9]"));
        assertThat(cluster.raftNodeIds()).containsExactlyInAnyOrder(cluster.leader().orElseThrow().instanceId(), replacement);
        cluster.finishTermination(secondNode.instanceId());
    }

    @Test
    void belowTheFloorWithNoReplacementInTimeTheTerminationIsAbandoned() {
        List<RaftNode> followers = followers();
        RaftNode gone = followers.get(0);
        RaftNode next = followers.get(1);
        // One healthy termination has already gone through: two voters left of three expected servers.
        LifecycleRecorder.LifecycleAction firstAction = cluster.openTermination(gone.instanceId());
        assertThat(harness.terminating().handle(EventBridgeEvents.forAction(firstAction), LAMBDA_TIME).peerRemoved()).isTrue();
        harness.with(Settings.STEP_DOWN_WAIT_SECONDS, "5");
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(next.instanceId());

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), Duration.ofSeconds(45));

        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("voter-floor");
        assertThat(outcome.detail()).contains("floor 2", "no replacement joined in time");
        assertThat(cluster.raftNodeIds()).contains(next.instanceId()).hasSize(2);
        assertThat(next.running()).isTrue();
        assertThat(completions(action)).containsExactly("ABANDON");
        cluster.finishTermination(gone.instanceId());
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
