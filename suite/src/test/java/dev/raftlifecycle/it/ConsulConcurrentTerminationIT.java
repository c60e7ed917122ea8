package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.ConsulCluster;
import dev.raftlifecycle.rig.ConsulClusterExtension;
import dev.raftlifecycle.rig.ConsulNode;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link ConcurrentTerminationIT} on five real Consul servers: two terminations at once are serialized by the lock and
 * both go with a leader throughout; and the outage this project once caused, two followers crashed a second before a
 * third voter's termination, is refused.
 */
class ConsulConcurrentTerminationIT {
    @RegisterExtension
    static final ConsulClusterExtension CLUSTER = new ConsulClusterExtension(
            ClusterSpec.defaults().withName("consul-five").withTotalNodes(5));

    private HandlerHarness harness;

    @AfterEach
    void restore() {
        if (harness != null) {
            assertThat(harness.uncheckedLinesWithSecrets()).isEmpty();
        }
        CLUSTER.cluster().heal(Duration.ofSeconds(120));
    }

    @Test
    void twoTerminationsAtOnceInAFiveServerClusterBothRemoveTheirPeerWithALeaderThroughout() {
        ConsulCluster cluster = CLUSTER.cluster();
        harness = new HandlerHarness(cluster);
        ConsulNode leader = cluster.leader().orElseThrow();
        List<ConsulNode> victims = cluster.runningNodes().stream().filter(n -> n != leader).limit(2).toList();
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
        assertThat(cluster.raftNodeNames()).hasSize(3).doesNotContainAnyElementsOf(victims.stream().map(ConsulNode::instanceId).toList());
        assertThat(samples.get()).isPositive();
        assertThat(leaderlessSamples.get()).isZero();
        // Serialized: each check-then-remove ran while holding the lock, and the two holds did not overlap.
        LockHolds.assertTwoDecisionsHeldTheLockInTurn(harness.log);
        for (ConsulNode v : victims) {
            cluster.finishTermination(v.instanceId());
        }
    }

    /**
     * Two followers crash, and within a second a third, healthy voter is terminated. Removing the third would leave a
     * leader with one live voter of four, unable to commit anything; whatever autopilot says yet, the guard refuses.
     */
    @Test
    void twoFollowersCrashedASecondAgoAThirdVoterIsNotRemoved() {
        ConsulCluster cluster = CLUSTER.cluster();
        harness = new HandlerHarness(cluster);
        assertThat(cluster.kvPut("outage/before", "kept")).isTrue();
        ConsulNode leader = cluster.leader().orElseThrow();
        List<ConsulNode> followers = cluster.runningNodes().stream().filter(n -> n != leader).toList();
        followers.get(0).kill();
        followers.get(1).kill();
        ConsulNode third = followers.get(2);
        Instant crashedAt = Instant.now();
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(third.instanceId());

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), Duration.ofMinutes(5));

        assertThat(Duration.between(crashedAt, Instant.now())).isLessThan(Duration.ofSeconds(5));
        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("quorum-would-break");
        assertThat(outcome.peerRemoved()).isFalse();
        assertThat(outcome.detail()).contains("voters after 4, healthy after 2, quorum 3");
        assertThat(cluster.raftNodeNames()).hasSize(5).contains(third.instanceId());
        assertThat(third.running()).as("not asked to leave").isTrue();
        assertThat(cluster.rig().recorder().outcome(action.token())).contains("ABANDON");
        assertThat(cluster.leader()).get().extracting(ConsulNode::instanceId).isEqualTo(leader.instanceId());
        assertThat(cluster.kvGet("outage/before")).contains("kept");
        assertThat(cluster.kvPut("outage/after", "written")).isTrue();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
