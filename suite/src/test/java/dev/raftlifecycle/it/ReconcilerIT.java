package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.handlers.ReconcilerHandler;
import dev.raftlifecycle.ports.MutationLock;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.VaultNode;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The reconciler's schedule against the real rig (Vault): a stale peer whose instance EC2 does not list is removed only
 * after the grace period, under the lock; a peer whose instance runs is never removed; report-only mode and a busy lock
 * are honoured. (A peer whose instance EC2 reports terminated goes at the next run: {@link LifecycleCases}, on every
 * system.)
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReconcilerIT {
    private static final Duration LAMBDA_TIME = Duration.ofMinutes(1);

    @RegisterExtension
    static final RaftClusterExtension<VaultCluster> CLUSTER = RaftClusterExtension.vault(ClusterSpec.defaults());

    private VaultCluster cluster;
    private HandlerHarness harness;
    private String dimension;
    /** An instance the test hid from DescribeInstances. */
    private String hidden;

    @BeforeEach
    void setUp() {
        cluster = CLUSTER.cluster();
        dimension = cluster.name() + "-" + UUID.randomUUID().toString().substring(0, 8);
        harness = new HandlerHarness(cluster).with(Settings.CLUSTER_NAME, dimension);
    }

    @AfterEach
    void restore() {
        if (hidden != null) {
            cluster.rig().recorder().hideFromEc2(hidden, false);
            hidden = null;
        }
        cluster.heal(Duration.ofSeconds(120));
    }

    @Test
    @Order(2)
    void aPeerWhoseInstanceEc2DoesNotKnowIsStaleAndTheReconcilerRemovesItAfterTheGracePeriod() {
        harness.with(Settings.STALE_GRACE_SECONDS, "4");
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        VaultNode victim = cluster.runningNodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        victim.kill();
        cluster.terminateInEc2(victim.instanceId());
        hidden = victim.instanceId();
        cluster.rig().recorder().hideFromEc2(hidden, true); // DescribeInstances no longer lists it

        ReconcilerHandler.Outcome first = harness.reconciler().run(LAMBDA_TIME);
        assertThat(first.stale()).containsExactly(victim.instanceId());
        assertThat(first.removed()).isEmpty();
        assertThat(first.kept()).containsExactly(victim.instanceId() + ":within-grace");
        assertThat(cluster.raftNodeIds()).contains(victim.instanceId());

        sleep(4500);
        ReconcilerHandler.Outcome second = harness.reconciler().run(LAMBDA_TIME);
        assertThat(second.removed()).containsExactly(victim.instanceId());
        assertThat(cluster.raftNodeIds()).doesNotContain(victim.instanceId()).hasSize(2);
        assertThat(harness.log).anySatisfy(l -> assertThat(l).contains("\"StalePeersRemoved\":1.0"));

        ReconcilerHandler.Outcome third = harness.reconciler().run(LAMBDA_TIME);
        assertThat(third.stale()).isEmpty();
        assertThat(harness.publisher().run(LAMBDA_TIME).metrics()).containsEntry("StalePeers", 0.0).containsEntry("RaftPeers", 2.0);
    }

    @Test
    @Order(3)
    void reportOnlyModeRemovesNothing() {
        harness.with(Settings.STALE_GRACE_SECONDS, "0").with(Settings.RECONCILE_MODE, "report");
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        VaultNode victim = cluster.runningNodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        victim.kill();
        cluster.terminateInEc2(victim.instanceId());

        harness.reconciler().run(LAMBDA_TIME);
        ReconcilerHandler.Outcome again = harness.reconciler().run(LAMBDA_TIME);

        assertThat(again.removed()).isEmpty();
        assertThat(again.kept()).containsExactly(victim.instanceId() + ":report-only");
        assertThat(again.stale()).containsExactly(victim.instanceId());
        assertThat(cluster.raftNodeIds()).contains(victim.instanceId());
    }

    @Test
    @Order(4)
    void aPeerWhoseInstanceStillRunsIsNeverRemovedEvenWhenItIsDown() {
        harness.with(Settings.STALE_GRACE_SECONDS, "0");
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        VaultNode down = cluster.runningNodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        down.kill(); // the process is gone, the instance keeps running

        harness.reconciler().run(LAMBDA_TIME);
        ReconcilerHandler.Outcome again = harness.reconciler().run(LAMBDA_TIME);

        assertThat(again.removed()).isEmpty();
        assertThat(again.stale()).isEmpty();
        assertThat(again.kept()).isEmpty();
        assertThat(cluster.raftNodeIds()).contains(down.instanceId());
    }

    @Test
    @Order(7)
    void aRemovalDeferredBecauseTheLockIsBusyKeepsItsGraceClock() {
        harness.with(Settings.STALE_GRACE_SECONDS, "2");
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        VaultNode victim = cluster.runningNodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        victim.kill();
        cluster.terminateInEc2(victim.instanceId());
        hidden = victim.instanceId();
        cluster.rig().recorder().hideFromEc2(hidden, true);
        ReconcilerHandler.Outcome first = harness.reconciler().run(LAMBDA_TIME);
        assertThat(first.kept()).containsExactly(victim.instanceId() + ":within-grace");

        MutationLock competitor = new MutationLock(harness.dynamo(), harness.lockTable, dimension, java.time.Clock.systemUTC());
        assertThat(competitor.tryAcquire("terminating-under-test", Instant.now(), Instant.now().plusSeconds(120))).isTrue();
        sleep(2500);
        ReconcilerHandler.Outcome deferred = harness.reconciler().run(LAMBDA_TIME);
        assertThat(deferred.removed()).isEmpty();
        assertThat(deferred.kept()).containsExactly(victim.instanceId() + ":lock-busy");
        assertThat(cluster.raftNodeIds()).contains(victim.instanceId());

        // Once the lock is free the next run removes it at once: the deferral did not restart the grace period.
        assertThat(competitor.release("terminating-under-test")).isTrue();
        ReconcilerHandler.Outcome next = harness.reconciler().run(LAMBDA_TIME);
        assertThat(next.removed()).containsExactly(victim.instanceId());
        assertThat(cluster.raftNodeIds()).doesNotContain(victim.instanceId());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
