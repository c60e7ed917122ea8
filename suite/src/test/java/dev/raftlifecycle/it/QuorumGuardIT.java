package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.handlers.LaunchingHandler;
import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.ports.MutationLock;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.VaultClusterExtension;
import dev.raftlifecycle.rig.VaultNode;
import dev.raftlifecycle.rig.VaultRelay;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The quorum guard at the moments before the view settles, on a real 3-node Vault cluster: a node that died a second
 * ago, an action that ended while the handler waited, a step-down after which the cluster is no longer what it was,
 * a lease about to run out, a remove-peer whose answer was lost, a group emptied on its own, two healthy
 * terminations at once, a launch beside retained instances only. Each test asserts the cluster and the recorded
 * lifecycle calls afterwards.
 */
class QuorumGuardIT {
    /** The group tag that declared a decommission before it became a deployment setting. */
    private static final String OLD_DECOMMISSION_TAG = "raft-lifecycle:decommission";
    private static final Duration LAMBDA_TIME = Duration.ofMinutes(5);

    @RegisterExtension
    static final VaultClusterExtension CLUSTER = new VaultClusterExtension(ClusterSpec.defaults());

    private VaultCluster cluster;
    private HandlerHarness harness;

    @BeforeEach
    void setUp() {
        cluster = CLUSTER.cluster();
        harness = new HandlerHarness(cluster).with(Settings.LIFECYCLE_HEARTBEAT_SECONDS, "60");
    }

    @AfterEach
    void restore() {
        cluster.untagGroups(OLD_DECOMMISSION_TAG);
        cluster.heal(Duration.ofSeconds(120));
    }

    private List<VaultNode> followers() {
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        return cluster.runningNodes().stream().filter(n -> n != leader).toList();
    }

    private List<String> completions(LifecycleRecorder.LifecycleAction action) {
        return cluster.rig().recorder().lifecycleCalls(action.token()).stream()
                .filter(c -> c.action().equals("CompleteLifecycleAction") && c.accepted()).map(c -> c.result()).toList();
    }

    @Test
    void aVoterThatDiedASecondAgoIsDeadWhateverAutopilotSaysAndTheTerminationIsRefused() {
        List<VaultNode> followers = followers();
        VaultNode crashed = followers.get(0);
        VaultNode healthy = followers.get(1);
        assertThat(cluster.kvPut("guard/before", "kept")).isTrue();
        crashed.kill();
        // The moment before autopilot catches up: it still calls the crashed node healthy.
        assertThat(cluster.autopilot().path("servers").path(crashed.instanceId()).path("healthy").asBoolean()).isTrue();
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(healthy.instanceId());

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("quorum-would-break");
        assertThat(outcome.peerRemoved()).isFalse();
        assertThat(outcome.detail()).contains(crashed.instanceId() + "=no-answer");
        assertThat(cluster.raftNodeIds()).hasSize(3).contains(healthy.instanceId());
        assertThat(completions(action)).containsExactly("ABANDON");
        assertThat(cluster.leader()).isPresent();
        assertThat(cluster.kvGet("guard/before")).contains("kept");
        assertThat(cluster.rig().recorder().lifecycleState(healthy.instanceId())).contains("Terminating:Retained");
    }

    @Test
    void emptyingOneGroupWhileAVoterElsewhereIsDeadIsRefused() {
        List<VaultNode> followers = followers();
        VaultNode dead = followers.get(0);
        VaultNode leaving = followers.get(1);
        dead.kill();
        String group = leaving.groupName();
        // The group scaled to 0 as Auto Scaling shows it while the terminate hook holds its instance (moto would drop
        // the instance from the group at once): the desired capacity shown is 0, the instance is in Terminating:Wait.
        int capacity = cluster.groupInstanceIds(group).size();
        cluster.rig().recorder().adjustDesiredCapacity(group, -capacity);
        LifecycleRecorder.LifecycleAction action = cluster.rig().recorder().open(group, cluster.terminateHook(),
                leaving.instanceId(), dev.raftlifecycle.contract.LifecycleEvents.TERMINATING_TRANSITION);

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("quorum-would-break");
        assertThat(cluster.raftNodeIds()).contains(leaving.instanceId()).hasSize(3);
        assertThat(completions(action)).containsExactly("ABANDON");
    }

    /**
     * Declared on every group, a decommission bypasses the guard: here the voter floor, which would hold a second
     * healthy termination of a three-server cluster until a replacement joins. (With a voter already dead the
     * removal would take the quorum away, which is what taking a cluster down means; the decision tests cover it,
     * this one keeps its cluster alive for the next test.)
     */
    @Test
    void aDecommissionDeclaredOnEveryGroupRemovesThePeerWithoutTheGuard() {
        List<VaultNode> followers = followers();
        LifecycleRecorder.LifecycleAction first = cluster.openTermination(followers.get(0).instanceId());
        assertThat(harness.terminating().handle(EventBridgeEvents.forAction(first), LAMBDA_TIME).reason()).isEqualTo("voter-removed");
        // The tag earlier versions honoured, on every group: it no longer switches the guard off (anyone allowed to
        // tag a group could): the floor holds the second healthy voter until the invocation's deadline.
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
        cluster.finishTermination(followers.get(0).instanceId());
        cluster.finishTermination(followers.get(1).instanceId());
    }

    @Test
    void aSecondDeliveryWaitingForTheLockWhileTheFirstAbandonsChangesNothingEvenOnceTheClusterIsHealthy() {
        VaultNode follower = followers().get(0);
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());
        byte[] event = EventBridgeEvents.forAction(action);
        MutationLock competitor = new MutationLock(harness.dynamo(), harness.lockTable, cluster.name(), Clock.systemUTC());
        assertThat(competitor.tryAcquire("another-change", Instant.now(), Instant.now().plusSeconds(120))).isTrue();

        // The second delivery passes its opening check and waits for the lock...
        TerminatingHandler second = harness.terminating();
        CompletableFuture<TerminatingHandler.Outcome> waiting = CompletableFuture.supplyAsync(() -> second.handle(event, LAMBDA_TIME), HandlerHarness.THREADS);
        sleep(1500);
        assertThat(waiting).isNotDone();
        // ...while the first gives up on the lock and ABANDONs (the instance is retained, Vault keeps running).
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
        assertThat(completions(action)).containsExactly("ABANDON");
    }

    @Test
    void anActionThatEndsRightBeforeRemovePeerStopsEverything() {
        VaultNode follower = followers().get(0);
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());
        // Heartbeats: 1 opening, 2 after the lock, 3 right before remove-peer: the action times out there.
        cluster.rig().recorder().onHeartbeat(action.token(), ordinal -> ordinal == 3);

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("NONE");
        assertThat(outcome.reason()).isEqualTo("already-ended");
        assertThat(outcome.detail()).contains("before the remove-peer");
        assertThat(outcome.peerRemoved()).isFalse();
        assertThat(cluster.raftNodeIds()).contains(follower.instanceId()).hasSize(3);
        assertThat(completions(action)).isEmpty();
    }

    @Test
    void theRemovalAfterAStepDownIsDecidedOnTheViewAfterTheNewLeaderAppeared() {
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(leader.instanceId());
        // Heartbeats: 1 opening, 2 after the lock, 3 before the step-down, 4 once another node leads: a follower
        // dies right then. Removing the old leader now would leave one live voter of two.
        cluster.rig().recorder().onHeartbeat(action.token(), ordinal -> {
            if (ordinal == 4) {
                VaultNode newLeader = cluster.leader().orElseThrow();
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
        assertThat(cluster.leader()).get().extracting(VaultNode::instanceId).isNotEqualTo(leader.instanceId());
        assertThat(cluster.kvPut("guard/after-step-down", "ok")).isTrue();
    }

    @Test
    void aMutationIsNotStartedWhenTheLeaseCannotCoverTheCallAndItsConfirmation() {
        VaultNode follower = followers().get(0);
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());

        // 15 s of Lambda time, 2 s margin: a lease of 13 s, against 3 s for the call and 15 s to confirm it.
        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), Duration.ofSeconds(15));

        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("lease-too-short");
        assertThat(outcome.detail()).contains("remove-peer not started");
        assertThat(cluster.raftNodeIds()).contains(follower.instanceId()).hasSize(3);
    }

    @Test
    void aRemovePeerWhoseAnswerIsLostIsJudgedByReReadingTheConfiguration() {
        VaultNode follower = followers().get(0);
        VaultRelay relay = cluster.relay();
        harness.with(Settings.VAULT_PORT, Integer.toString(relay.port()));
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());
        // Right before remove-peer (heartbeat 3) the answers start getting lost: Vault applies the removal, the
        // handler's call fails.
        cluster.rig().recorder().onHeartbeat(action.token(), ordinal -> {
            if (ordinal == 3) {
                relay.loseAnswersFor(Duration.ofMillis(1500));
            }
            return false;
        });

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(relay.swallowedBytes()).isPositive();
        assertThat(outcome.detail()).contains("remove-peer " + follower.instanceId() + " failed");
        assertThat(outcome.action()).isEqualTo("CONTINUE");
        assertThat(outcome.peerRemoved()).isTrue();
        assertThat(cluster.raftNodeIds()).doesNotContain(follower.instanceId()).hasSize(2);
        assertThat(completions(action)).containsExactly("CONTINUE");
        relay.close();
    }

    @Test
    void twoHealthyTerminationsAtOnceTheSecondWaitsForTheFloorThenProceedsOnceTheReplacementJoined() {
        List<VaultNode> followers = followers();
        harness.with(Settings.STEP_DOWN_WAIT_SECONDS, "5");
        List<LifecycleRecorder.LifecycleAction> actions = followers.stream()
                .map(f -> cluster.openTermination(f.instanceId())).toList();
        List<CompletableFuture<TerminatingHandler.Outcome>> runs = actions.stream().map(a -> {
            TerminatingHandler handler = harness.terminating();
            return CompletableFuture.supplyAsync(() -> handler.handle(EventBridgeEvents.forAction(a), Duration.ofMinutes(3)), HandlerHarness.THREADS);
        }).toList();
        // The first to get the lock removes its peer: three expected servers, a floor of two healthy voters.
        CompletableFuture<Object> firstDone = CompletableFuture.anyOf(runs.toArray(CompletableFuture[]::new));
        TerminatingHandler.Outcome first = (TerminatingHandler.Outcome) firstDone.join();
        assertThat(first.action()).isEqualTo("CONTINUE");
        assertThat(first.peerRemoved()).isTrue();
        int firstIndex = first.instanceId().equals(followers.get(0).instanceId()) ? 0 : 1;
        CompletableFuture<TerminatingHandler.Outcome> secondRun = runs.get(1 - firstIndex);
        VaultNode secondNode = followers.get(1 - firstIndex);
        sleep(3000);
        assertThat(secondRun).as("the second waits for a replacement").isNotDone();
        assertThat(cluster.raftNodeIds()).contains(secondNode.instanceId());

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
        List<VaultNode> followers = followers();
        VaultNode gone = followers.get(0);
        VaultNode next = followers.get(1);
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
        assertThat(completions(action)).containsExactly("ABANDON");
        cluster.finishTermination(gone.instanceId());
    }

    @Test
    void aLaunchBesideRetainedInstancesOnlyIsNeverTakenForAFirstDeploy() {
        // Every established instance is retained after an abandoned termination; the new node has not joined.
        for (VaultNode node : cluster.runningNodes()) {
            cluster.rig().recorder().lifecycleState(node.instanceId(), "Terminating:Retained");
        }
        String group = cluster.groupNames().get(0);
        String newId = cluster.launchInstance(group);
        cluster.startNode(newId, cluster.defaultOptions().withRetryJoin(List.of("https://127.0.0.1:1")));
        assertThat(cluster.healthCode(cluster.node(newId))).isEqualTo(501);
        LifecycleRecorder.LifecycleAction action = cluster.openLaunch(group, newId);
        harness.with(Settings.LAUNCH_MAX_WAIT_SECONDS, "6");

        LaunchingHandler.Outcome outcome = harness.launching().handle(EventBridgeEvents.forAction(action), Duration.ofMinutes(15));

        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("not-in-raft");
        assertThat(completions(action)).containsExactly("ABANDON");
        cluster.retire(newId); // remove-peer of an unknown id is a no-op; the instance goes, desired capacity back to 1
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
