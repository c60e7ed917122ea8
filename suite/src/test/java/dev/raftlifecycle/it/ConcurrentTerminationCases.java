package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.contract.HandlerNames;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cluster mutations are serialized across invocations (and functions) by the lock in DynamoDB, on five servers of every
 * system ({@link ConcurrentTerminationIT} Vault, {@link ConsulConcurrentTerminationIT} Consul): two terminations at
 * once both go with a leader throughout, a termination waits while another mutation holds the lock, and the outage
 * this project once caused (two followers crashed a second ago, a third voter's termination) is refused.
 */
abstract class ConcurrentTerminationCases {
    RaftCluster cluster;
    HandlerHarness harness;

    abstract RaftClusterExtension<? extends RaftCluster> fixture();

    /** The moment before the system's autopilot notices a crash (where it lags long enough to be shown). */
    void assertAutopilotHasNotNoticed(RaftNode crashed) {
    }

    @BeforeEach
    void setUp() {
        cluster = fixture().cluster();
        harness = new HandlerHarness(cluster);
    }

    @AfterEach
    void restore() {
        cluster.heal(Duration.ofSeconds(120));
    }

    List<RaftNode> followers() {
        RaftNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        return cluster.runningNodes().stream().<RaftNode>map(n -> n).filter(n -> n != leader).toList();
    }

    @Test
    void twoTerminationsAtOnceInAFiveServerClusterBothRemoveTheirPeerWithALeaderThroughout() {
        List<RaftNode> victims = followers().subList(0, 2);
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
        assertThat(cluster.raftNodeIds()).hasSize(3).doesNotContainAnyElementsOf(victims.stream().map(RaftNode::instanceId).toList());
        assertThat(samples.get()).isPositive();
        assertThat(leaderlessSamples.get()).isZero();
        // Serialized: each check-then-remove ran while holding the lock, and the two holds did not overlap.
        LockHolds.assertTwoDecisionsHeldTheLockInTurn(harness.log);
        for (RaftNode v : victims) {
            cluster.finishTermination(v.instanceId());
        }
    }

    /**
     * The outage this project once caused: two followers crash, and within a second a third, healthy voter is
     * terminated. Removing the third would leave a leader with one live voter of four, unable to commit anything;
     * whatever autopilot says yet, the guard must refuse and change nothing.
     */
    @Test
    void twoFollowersCrashedASecondAgoAThirdVoterIsNotRemoved() {
        assertThat(cluster.kvPut("outage/before", "kept")).isTrue();
        RaftNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        List<RaftNode> followers = followers();
        followers.get(0).kill();
        followers.get(1).kill();
        RaftNode third = followers.get(2);
        Instant crashedAt = Instant.now();
        followers.subList(0, 2).forEach(this::assertAutopilotHasNotNoticed);
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(third.instanceId());

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), Duration.ofMinutes(5));

        assertThat(Duration.between(crashedAt, Instant.now())).isLessThan(Duration.ofSeconds(5));
        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("quorum-would-break");
        assertThat(outcome.peerRemoved()).isFalse();
        assertThat(outcome.detail()).contains("voters after 4, healthy after 2, quorum 3");
        assertThat(cluster.raftNodeIds()).hasSize(5).contains(third.instanceId());
        assertThat(third.running()).as("not asked to leave").isTrue();
        assertThat(cluster.rig().recorder().outcome(action.token())).contains("ABANDON");
        assertThat(cluster.leader()).get().extracting(RaftNode::instanceId).isEqualTo(leader.instanceId());
        assertThat(cluster.kvGet("outage/before")).contains("kept");
        assertThat(cluster.kvPut("outage/after", "written")).isTrue();
    }

    @Test
    void aTerminationWaitsWhileAnotherMutationHoldsTheLockAndProceedsWhenItIsReleased() {
        RaftNode victim = followers().get(0);
        MutationLock competitor = new MutationLock(harness.dynamo(), harness.lockTable, cluster.name(), Clock.systemUTC());
        assertThat(competitor.tryAcquire("reconciler-under-test", Instant.now(), Instant.now().plusSeconds(120))).isTrue();

        LifecycleRecorder.LifecycleAction action = cluster.openTermination(victim.instanceId());
        TerminatingHandler handler = new TerminatingHandler(harness.runtime(HandlerNames.TERMINATING_NAME));
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
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
