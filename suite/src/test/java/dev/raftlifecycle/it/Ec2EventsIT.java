package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.events.InvalidEventException;
import dev.raftlifecycle.handlers.InterruptionHandler;
import dev.raftlifecycle.handlers.ReconcilerHandler;
import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.VaultClusterExtension;
import dev.raftlifecycle.rig.VaultNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What lifecycle hooks never see, on the real rig: an instance killed without a hook (its state-change events reach
 * the reconciler), Spot interruption warnings for a follower and for the leader under KV load, a warning whose
 * removal would break quorum, rebalance recommendations, and every event that must change nothing — duplicates, late
 * events, a warning after the terminate lifecycle action, another cluster's or account's instance, malformed input.
 * The truth each test checks is the cluster's own (the Raft configuration, who leads, what was written), sampled
 * while things happen, not the handlers' outputs alone.
 */
class Ec2EventsIT {
    private static final Duration LAMBDA_TIME = Duration.ofMinutes(2);
    private static final String OTHER_ACCOUNT = "210987654321";

    @RegisterExtension
    static final VaultClusterExtension CLUSTER = new VaultClusterExtension(ClusterSpec.defaults().withSpot());

    private VaultCluster cluster;
    private HandlerHarness harness;

    @BeforeEach
    void setUp() {
        cluster = CLUSTER.cluster();
        harness = new HandlerHarness(cluster).with(Settings.CLUSTER_NAME,
                cluster.name() + "-" + UUID.randomUUID().toString().substring(0, 8));
    }

    @AfterEach
    void restore() {
        cluster.heal(Duration.ofSeconds(120));
    }

    private VaultNode aFollower() {
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        return cluster.runningNodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
    }

    @Test
    void aNodeKilledWithoutAHookLosesItsPeerWithinSecondsOfItsStateChangeWithALeaderThroughout() throws Exception {
        VaultNode victim = aFollower();
        String leaderBefore = cluster.awaitLeader(Duration.ofSeconds(30)).instanceId();
        ReconcilerHandler reconciler = harness.with(Settings.STALE_GRACE_SECONDS, "300").reconciler();
        try (LeaderWatch watch = new LeaderWatch(() -> cluster.leader().map(VaultNode::instanceId).orElse(""))) {
            Instant died = Instant.now();
            victim.kill();
            cluster.terminateInEc2(victim.instanceId()); // no hook: a host failure or an EC2 API termination

            // EC2 sends shutting-down, then terminated; EventBridge delivers each (at least once).
            ReconcilerHandler.EventOutcome first = reconciler.stateChange(event(EventBridgeEvents.stateChange(
                    victim.instanceId(), "shutting-down")), LAMBDA_TIME);
            Duration window = Duration.between(died, Instant.now());
            assertThat(first.action()).as(first.detail()).isEqualTo("REMOVED");
            assertThat(first.reason()).isEqualTo("voter-removed");
            assertThat(cluster.raftNodeIds()).doesNotContain(victim.instanceId()).hasSize(2);
            assertThat(window).isLessThan(Duration.ofSeconds(10)); // the grace period (300 s) did not apply

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
        VaultNode victim = aFollower();
        String leaderBefore = cluster.awaitLeader(Duration.ofSeconds(30)).instanceId();
        InterruptionHandler handler = harness.interruption();
        try (LeaderWatch watch = new LeaderWatch(() -> cluster.leader().map(VaultNode::instanceId).orElse(""))) {
            InterruptionHandler.Outcome warned = handler.handle(cluster.rig().interruptSpot(victim.instanceId()), LAMBDA_TIME);
            assertThat(warned.action()).as(warned.detail()).isEqualTo("REMOVED");
            assertThat(warned.reason()).isEqualTo("voter-removed");
            assertThat(victim.running()).isTrue(); // removed while it still runs: before it dies
            assertThat(cluster.raftNodeIds()).doesNotContain(victim.instanceId());

            // Two minutes later Spot takes the instance: its state change finds nothing left to do.
            victim.kill();
            cluster.terminateInEc2(victim.instanceId());
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
    void aSpotWarningForTheLeaderStepsItDownThenRemovesItAndNoAcknowledgedWriteIsLost() throws Exception {
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        try (KvWriter writer = new KvWriter(cluster)) {
            writer.awaitWrites(20);
            InterruptionHandler.Outcome warned = harness.interruption().handle(
                    cluster.rig().interruptSpot(leader.instanceId()), LAMBDA_TIME);
            assertThat(warned.action()).as(warned.detail()).isEqualTo("REMOVED");
            assertThat(warned.steppedDown()).isTrue();
            assertThat(warned.reason()).isEqualTo("leader-removed");
            assertThat(cluster.raftNodeIds()).doesNotContain(leader.instanceId()).hasSize(2);
            VaultNode next = cluster.awaitLeader(Duration.ofSeconds(30));
            assertThat(next.instanceId()).isNotEqualTo(leader.instanceId());

            leader.kill(); // the interruption itself
            cluster.terminateInEc2(leader.instanceId());
            long before = writer.acknowledged();
            writer.awaitWrites(before + 20);
        }
        // Every acknowledged write is there, with its last acknowledged value or a later one.
        assertThat(KvWriter.lost(cluster)).isEmpty();
    }

    @Test
    void aWarningWhoseRemovalWouldBreakQuorumChangesNothingAndIsCounted() {
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        List<VaultNode> followers = cluster.runningNodes().stream().filter(n -> n != leader).toList();
        followers.get(0).kill(); // a crash a second ago (the instance keeps running): autopilot may not know yet
        VaultNode warned = followers.get(1);

        // Delivered late: the interruption is 12 s away, so the handler's looks-again end soon.
        Instant sent = Instant.now().minusSeconds(108);
        InterruptionHandler.Outcome outcome = harness.interruption().handle(
                cluster.rig().interruptSpot(warned.instanceId(), sent), LAMBDA_TIME);

        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("KEPT");
        assertThat(outcome.reason()).isEqualTo("quorum-would-break");
        assertThat(Instant.now()).isBefore(sent.plusSeconds(120)); // it gave up before the interruption
        assertThat(cluster.raftNodeIds()).contains(warned.instanceId(), followers.get(0).instanceId()).hasSize(3);
        assertThat(cluster.leader()).isPresent();
        assertThat(harness.log).anySatisfy(l -> assertThat(l).contains("\"InterruptionPeerKept\":1.0",
                "\"Reason\":\"quorum-would-break\""));
    }

    @Test
    void aWarningAfterTheTerminateLifecycleActionRemovedThePeerChangesNothing() {
        VaultNode victim = aFollower();
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
        VaultNode follower = aFollower();
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

    @Test
    void twoWarningsAtOnceInAThreeNodeClusterRemoveBothPeersSoTheLastVoterKeepsLeading() throws Exception {
        // The floor (2 of 3) would keep the second: it goes anyway, and a dead voter in a 2-voter configuration is a
        // cluster without quorum. Both go, the third leads alone until the replacements join.
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        List<VaultNode> followers = cluster.runningNodes().stream().filter(n -> n != leader).toList();
        InterruptionHandler handler = harness.interruption();
        Future<InterruptionHandler.Outcome> first = HandlerHarness.THREADS.submit(() -> handler.handle(
                cluster.rig().interruptSpot(followers.get(0).instanceId()), LAMBDA_TIME));
        Future<InterruptionHandler.Outcome> second = HandlerHarness.THREADS.submit(() -> handler.handle(
                cluster.rig().interruptSpot(followers.get(1).instanceId()), LAMBDA_TIME));
        assertThat(first.get().action()).as(first.get().detail()).isEqualTo("REMOVED");
        assertThat(second.get().action()).as(second.get().detail()).isEqualTo("REMOVED");
        assertThat(cluster.raftNodeIds()).containsExactly(leader.instanceId());
        followers.forEach(VaultNode::kill);
        followers.forEach(f -> cluster.terminateInEc2(f.instanceId()));
        assertThat(cluster.awaitLeader(Duration.ofSeconds(30)).instanceId()).isEqualTo(leader.instanceId());
        assertThat(cluster.kvPut("spot/alone", "ok")).isTrue();
    }

    @Test
    void aWarningForTheLeaderRefusedWhileAnotherVoterIsDeadIsRetriedAndGoesOnceThatPeerIsReconciled() throws Exception {
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        VaultNode dead = cluster.runningNodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        dead.kill(); // died a second ago, no hook
        cluster.terminateInEc2(dead.instanceId());
        Future<InterruptionHandler.Outcome> warned = HandlerHarness.THREADS.submit(() -> harness.interruption().handle(cluster.rig().interruptSpot(leader.instanceId()),
                LAMBDA_TIME));
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
        assertThat(cluster.awaitLeader(Duration.ofSeconds(30)).instanceId()).isNotEqualTo(leader.instanceId());
    }

    @Test
    void aStateChangeForTheLeaderWhileItsVaultStillRunsStepsItDownFirst() {
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        cluster.terminateInEc2(leader.instanceId()); // shutting down: the OS has not stopped Vault yet
        ReconcilerHandler.EventOutcome outcome = harness.reconciler().stateChange(event(EventBridgeEvents.stateChange(
                leader.instanceId(), "shutting-down")), LAMBDA_TIME);
        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("REMOVED");
        assertThat(outcome.steppedDown()).isTrue();
        assertThat(outcome.reason()).isEqualTo("leader-removed");
        leader.kill();
        assertThat(cluster.raftNodeIds()).hasSize(2).doesNotContain(leader.instanceId());
        assertThat(cluster.awaitLeader(Duration.ofSeconds(30)).instanceId()).isNotEqualTo(leader.instanceId());
    }

    @Test
    void eventsThatAreNotThisClustersOrNotActionableChangeNothingAndMakeNoVaultCall() throws Exception {
        VaultNode follower = aFollower();
        Set<String> peers = cluster.raftNodeIds();
        long audited = cluster.auditedRequests();
        InterruptionHandler interruption = harness.interruption();
        ReconcilerHandler reconciler = harness.reconciler();

        // Another account's event (a rule forwarding from elsewhere): ignored before any call.
        assertThat(interruption.handle(withAccount(cluster.rig().interruptSpot(follower.instanceId()), OTHER_ACCOUNT),
                LAMBDA_TIME).reason()).isEqualTo("foreign-account");
        // One that names no account at all (no EventBridge delivery lacks one: a hand-made invocation).
        assertThat(interruption.handle(withAccount(cluster.rig().interruptSpot(follower.instanceId()), null),
                LAMBDA_TIME).reason()).isEqualTo("no-account");
        assertThat(reconciler.stateChange(event(withAccount(EventBridgeEvents.stateChange(follower.instanceId(),
                "terminated"), null)), LAMBDA_TIME).reason()).isEqualTo("no-account");
        cluster.rig().recorder().spotRequestStatus(follower.instanceId(), null);
        // An instance of no group of this cluster (another team's Spot instance in the same region).
        String stranger = cluster.rig().ec2().runInstances(r -> r.imageId("ami-12c6146b").minCount(1).maxCount(1))
                .instances().get(0).instanceId();
        assertThat(interruption.handle(EventBridgeEvents.spotInterruption(stranger, "terminate"), LAMBDA_TIME).reason()).isEqualTo("foreign-instance");
        assertThat(reconciler.stateChange(event(EventBridgeEvents.stateChange(stranger, "terminated")), LAMBDA_TIME).reason()).isEqualTo("foreign-instance");
        // An instance EC2 has never heard of.
        assertThat(interruption.handle(EventBridgeEvents.spotInterruption("i-0123456789abcdef0", "terminate"), LAMBDA_TIME).action()).isEqualTo("IGNORED");
        // A state that is not final, and a Spot interruption that stops the instance rather than terminating it.
        assertThat(reconciler.stateChange(event(EventBridgeEvents.stateChange(follower.instanceId(), "stopping")),
                LAMBDA_TIME).reason()).isEqualTo("not-final");
        assertThat(interruption.handle(EventBridgeEvents.spotInterruption(follower.instanceId(), "stop"), LAMBDA_TIME).reason()).isEqualTo("not-a-termination");
        // Malformed input: a clear error naming the field, no call.
        assertThatThrownBy(() -> interruption.handle("{\"source\":\"aws.ec2\"}".getBytes(StandardCharsets.UTF_8), LAMBDA_TIME)).isInstanceOf(InvalidEventException.class).hasMessageContaining("detail-type");
        assertThatThrownBy(() -> interruption.handle(EventBridgeEvents.stateChange(follower.instanceId(), "terminated"),
                LAMBDA_TIME)).isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("detail-type");
        assertThatThrownBy(() -> reconciler.handle(EventBridgeEvents.spotInterruption(follower.instanceId(), "terminate"),
                LAMBDA_TIME)).isInstanceOf(InvalidEventException.class);
        assertThatThrownBy(() -> reconciler.handle("{\"source\":\"aws.ec2\",\"detail-type\":\"EC2 Instance State-change Notification\",\"detail\":{\"instance-id\":\"i-1\",\"state\":\"terminated\"}}"
                .getBytes(StandardCharsets.UTF_8), LAMBDA_TIME)).isInstanceOf(InvalidEventException.class)
                .hasMessageContaining("detail.instance-id");

        assertThat(cluster.auditedRequests()).isEqualTo(audited); // not one Vault request
        assertThat(cluster.raftNodeIds()).isEqualTo(peers);
        assertThat(harness.awsCalls()).allSatisfy(call -> assertThat(call).isEqualTo("ec2:DescribeInstances"));
    }

    private static dev.raftlifecycle.events.Ec2Event.StateChange event(byte[] json) {
        return dev.raftlifecycle.events.Ec2EventParser.stateChange(json);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A KV client that keeps writing (key k0..k49, increasing sequence numbers) through any node that takes the write,
     * retrying for up to two seconds; it remembers, per key, the last sequence a node acknowledged.
     */
    private static final class KvWriter implements AutoCloseable {
        private static final Map<Integer, Long> ACKED = new ConcurrentHashMap<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicLong count = new AtomicLong();
        private final Future<?> task;

        KvWriter(VaultCluster cluster) {
            ACKED.clear();
            task = HandlerHarness.THREADS.submit(() -> {
                long seq = 0;
                while (!stop.get()) {
                    seq++;
                    int key = (int) (seq % 50);
                    Instant until = Instant.now().plusSeconds(2);
                    while (Instant.now().isBefore(until) && !stop.get()) {
                        if (cluster.kvPut("spot/k" + key, Long.toString(seq))) {
                            ACKED.merge(key, seq, Math::max);
                            count.incrementAndGet();
                            break;
                        }
                        sleep(50);
                    }
                    sleep(20);
                }
            });
        }

        long acknowledged() {
            return count.get();
        }

        void awaitWrites(long n) {
            Instant until = Instant.now().plusSeconds(60);
            while (count.get() < n && Instant.now().isBefore(until)) {
                sleep(50);
            }
            assertThat(count.get()).as("acknowledged writes").isGreaterThanOrEqualTo(n);
        }

        static List<String> lost(VaultCluster cluster) {
            List<String> lost = new ArrayList<>();
            ACKED.forEach((key, seq) -> {
                long seen = cluster.kvGet("spot/k" + key).map(Long::parseLong).orElse(-1L);
                if (seen < seq) {
                    lost.add(key + "@" + seq + " (read " + seen + ")");
                }
            });
            return lost;
        }

        @Override
        public void close() throws Exception {
            stop.set(true);
            task.get();
        }
    }

    /** The same event from another account ({@code null}: naming none). */
    static byte[] withAccount(byte[] event, String account) {
        try {
            com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode)
                    new com.fasterxml.jackson.databind.ObjectMapper().readTree(event);
            if (account == null) {
                root.remove("account");
            } else {
                root.put("account", account);
            }
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(root);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
