package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.handlers.HandlerRuntime;
import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.ports.MutationLock;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.VaultClusterExtension;
import dev.raftlifecycle.rig.VaultNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Cluster mutations are serialized across invocations (and functions) by the lock in DynamoDB. */
class ConcurrentTerminationIT {
    @RegisterExtension
    static final VaultClusterExtension CLUSTER = new VaultClusterExtension(ClusterSpec.defaults().withTotalNodes(5));

    @Test
    void twoTerminationsAtOnceInAFiveNodeClusterBothRemoveTheirPeerWithALeaderThroughout() throws Exception {
        VaultCluster cluster = CLUSTER.cluster();
        HandlerHarness harness = new HandlerHarness(cluster);
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        List<VaultNode> victims = cluster.runningNodes().stream().filter(n -> n != leader).limit(2).toList();
        AtomicBoolean watching = new AtomicBoolean(true);
        AtomicInteger leaderlessSamples = new AtomicInteger();
        AtomicInteger samples = new AtomicInteger();
        CompletableFuture<Void> watcher = CompletableFuture.runAsync(() -> {
            while (watching.get()) {
                samples.incrementAndGet();
                if (cluster.leader().isEmpty()) {
                    leaderlessSamples.incrementAndGet();
                }
                sleep(100);
            }
        }, HandlerHarness.THREADS);

        List<CompletableFuture<TerminatingHandler.Outcome>> runs = victims.stream().map(v -> {
            LifecycleRecorder.LifecycleAction action = cluster.openTermination(v.instanceId());
            TerminatingHandler handler = harness.terminating();
            return CompletableFuture.supplyAsync(() -> handler.handle(EventBridgeEvents.forAction(action), Duration.ofMinutes(5)), HandlerHarness.THREADS);
        }).toList();
        List<TerminatingHandler.Outcome> outcomes = runs.stream().map(CompletableFuture::join).toList();
        watching.set(false);
        watcher.join();

        assertThat(outcomes).allSatisfy(o -> {
            assertThat(o.action()).isEqualTo("CONTINUE");
            assertThat(o.peerRemoved()).isTrue();
        });
        assertThat(cluster.raftNodeIds()).hasSize(3).doesNotContainAnyElementsOf(victims.stream().map(VaultNode::instanceId).toList());
        assertThat(samples.get()).isPositive();
        assertThat(leaderlessSamples.get()).isZero();
        // Serialized: each check-then-remove ran while holding the lock, and the two holds did not overlap.
        LockHolds.assertTwoDecisionsHeldTheLockInTurn(harness.log);
        for (VaultNode v : victims) {
            cluster.finishTermination(v.instanceId());
        }
        cluster.heal(Duration.ofSeconds(120));
    }

    /**
     * The outage this project once caused: two followers crash, and within a second a third, healthy voter is
     * terminated. Autopilot still reports the crashed nodes healthy; removing the third would leave a leader with
     * one live voter of four, unable to commit anything. The guard must refuse and change nothing.
     */
    @Test
    void twoFollowersCrashedASecondAgoAThirdVoterIsNotRemoved() {
        VaultCluster cluster = CLUSTER.cluster();
        HandlerHarness harness = new HandlerHarness(cluster);
        assertThat(cluster.kvPut("outage/before", "kept")).isTrue();
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        List<VaultNode> followers = cluster.runningNodes().stream().filter(n -> n != leader).toList();
        followers.get(0).kill();
        followers.get(1).kill();
        VaultNode third = followers.get(2);
        Instant crashedAt = Instant.now();
        for (VaultNode crashed : followers.subList(0, 2)) {
            assertThat(cluster.autopilot().path("servers").path(crashed.instanceId()).path("healthy").asBoolean())
                    .as("autopilot has not noticed %s yet", crashed.instanceId()).isTrue();
        }
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(third.instanceId());

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), Duration.ofMinutes(5));

        assertThat(Duration.between(crashedAt, Instant.now())).isLessThan(Duration.ofSeconds(5));
        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("quorum-would-break");
        assertThat(outcome.peerRemoved()).isFalse();
        assertThat(outcome.detail()).contains("voters after 4, healthy after 2, quorum 3");
        assertThat(cluster.raftNodeIds()).hasSize(5).contains(third.instanceId());
        assertThat(cluster.rig().recorder().outcome(action.token())).contains("ABANDON");
        assertThat(cluster.leader()).get().extracting(VaultNode::instanceId).isEqualTo(leader.instanceId());
        assertThat(cluster.kvGet("outage/before")).contains("kept");
        assertThat(cluster.kvPut("outage/after", "written")).isTrue();
        cluster.heal(Duration.ofSeconds(120));
    }

    @Test
    void aTerminationWaitsWhileAnotherMutationHoldsTheLockAndProceedsWhenItIsReleased() {
        VaultCluster cluster = CLUSTER.cluster();
        HandlerHarness harness = new HandlerHarness(cluster);
        HandlerRuntime runtime = harness.runtime(dev.raftlifecycle.contract.HandlerNames.TERMINATING_NAME);
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        VaultNode victim = cluster.runningNodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        MutationLock competitor = new MutationLock(harness.dynamo(), harness.lockTable, cluster.name(), java.time.Clock.systemUTC());
        assertThat(competitor.tryAcquire("reconciler-under-test", Instant.now(), Instant.now().plusSeconds(120))).isTrue();

        LifecycleRecorder.LifecycleAction action = cluster.openTermination(victim.instanceId());
        TerminatingHandler handler = new TerminatingHandler(runtime);
        CompletableFuture<TerminatingHandler.Outcome> run = CompletableFuture.supplyAsync(
                () -> handler.handle(EventBridgeEvents.forAction(action), Duration.ofMinutes(5)), HandlerHarness.THREADS);
        sleep(3000);
        assertThat(run).isNotDone();
        assertThat(cluster.raftNodeIds()).contains(victim.instanceId());
        assertThat(cluster.rig().recorder().isOpen(action.token())).isTrue();

        assertThat(competitor.release("reconciler-under-test")).isTrue();
        TerminatingHandler.Outcome outcome = run.join();
        assertThat(outcome.action()).isEqualTo("CONTINUE");
        assertThat(outcome.peerRemoved()).isTrue();
        cluster.finishTermination(victim.instanceId());
        cluster.heal(Duration.ofSeconds(120));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
