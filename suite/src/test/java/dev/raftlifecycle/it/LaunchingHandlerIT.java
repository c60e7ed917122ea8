package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.events.InvalidEventException;
import dev.raftlifecycle.handlers.LaunchingHandler;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.VaultNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The launching handler against a real Vault Raft cluster and the AWS emulator: Vault's own launches (sealed by a
 * disabled KMS key, a wrong retry_join, the warm pool, duplicates, parallel verifications, malformed input). The launch
 * let through once stable, and one whose server never starts, run on every system: {@link LifecycleCases}.
 */
class LaunchingHandlerIT {
    private static final Duration LAMBDA_TIME = Duration.ofMinutes(15);

    @RegisterExtension
    static final RaftClusterExtension<VaultCluster> CLUSTER = RaftClusterExtension.vault(ClusterSpec.defaults());

    private VaultCluster cluster;
    private HandlerHarness harness;

    @BeforeEach
    void setUp() {
        cluster = CLUSTER.cluster();
        harness = new HandlerHarness(cluster);
    }

    @AfterEach
    void restoreThreeVoters() {
        cluster.heal(Duration.ofSeconds(120));
    }

    /** Takes a follower out (as a completed termination would) and returns its replacement instance. */
    private String replaceAFollower() {
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        VaultNode follower = cluster.runningNodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        cluster.admin("PUT", "sys/storage/raft/remove-peer", Map.of("server_id", follower.instanceId()));
        String group = follower.groupName();
        String replacement = cluster.finishTermination(follower.instanceId());
        assertThat(cluster.groupInstanceIds(group)).contains(replacement);
        return replacement;
    }

    private String groupOf(String instanceId) {
        return cluster.groupNames().stream().filter(g -> cluster.groupInstanceIds(g).contains(instanceId))
                .findFirst().orElseThrow();
    }

    @Test
    void aMemberWhoseKmsKeyIsDisabledStaysSealedAndIsAbandonedWithReasonSealed() {
        String newId = replaceAFollower();
        cluster.startNode(newId);
        cluster.awaitVoter(newId, Duration.ofSeconds(90));
        VaultNode node = cluster.node(newId);
        cluster.rig().kms().disableKey(r -> r.keyId(cluster.kmsKeyId()));
        try {
            cluster.restartNode(newId);
            cluster.await("restarted node sealed", Duration.ofSeconds(30), () -> cluster.healthCode(node) == 503);
            LifecycleRecorder.LifecycleAction action = cluster.openLaunch(groupOf(newId), newId);
            harness.with(Settings.LAUNCH_MAX_WAIT_SECONDS, "6");

            LaunchingHandler.Outcome outcome = harness.launching().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

            assertThat(outcome.action()).isEqualTo("ABANDON");
            assertThat(outcome.reason()).isEqualTo("sealed");
            assertThat(cluster.rig().recorder().outcome(action.token())).contains("ABANDON");
            assertThat(harness.log).anySatisfy(l -> assertThat(l).contains("\"LifecycleAbandon\":1.0", "\"Reason\":\"sealed\""));
        } finally {
            cluster.rig().kms().enableKey(r -> r.keyId(cluster.kmsKeyId()));
        }
        node.kill(); // heal replaces it
    }

    @Test
    void aNodeWithAWrongRetryJoinNeverJoinsAndIsAbandonedWithReasonNotInRaft() {
        String newId = replaceAFollower();
        cluster.startNode(newId, cluster.defaultOptions().withRetryJoin(List.of("https://127.0.0.1:1")));
        LifecycleRecorder.LifecycleAction action = cluster.openLaunch(groupOf(newId), newId);
        // Long enough for heartbeats at the (minimum) 5 s interval to be observed while it waits.
        harness.with(Settings.LAUNCH_MAX_WAIT_SECONDS, "12").with(Settings.LIFECYCLE_HEARTBEAT_SECONDS, "5");

        LaunchingHandler.Outcome outcome = harness.launching().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("not-in-raft");
        assertThat(cluster.raftNodeIds()).doesNotContain(newId);
        assertThat(cluster.rig().recorder().outcome(action.token())).contains("ABANDON");
        // While waiting it kept the action alive: a heartbeat at the start and then about every interval,
        // never a gap near the hook's timeout, and all of them before the completion.
        List<LifecycleRecorder.LifecycleCall> calls = cluster.rig().recorder().lifecycleCalls(action.token());
        List<Instant> beats = calls.stream().filter(c -> c.action().equals("RecordLifecycleActionHeartbeat"))
                .map(LifecycleRecorder.LifecycleCall::at).toList();
        assertThat(beats).hasSizeGreaterThanOrEqualTo(3);
        for (int i = 1; i < beats.size(); i++) {
            assertThat(Duration.between(beats.get(i - 1), beats.get(i))).isLessThan(Duration.ofSeconds(8));
        }
        assertThat(calls.get(calls.size() - 1).action()).isEqualTo("CompleteLifecycleAction");
    }

    @Test
    void aNewNodeThatCannotUseTheDisabledKmsKeyNeverJoinsAndIsAbandoned() {
        String newId = replaceAFollower();
        cluster.rig().kms().disableKey(r -> r.keyId(cluster.kmsKeyId()));
        try {
            cluster.startNode(newId);
            LifecycleRecorder.LifecycleAction action = cluster.openLaunch(groupOf(newId), newId);
            harness.with(Settings.LAUNCH_MAX_WAIT_SECONDS, "6");

            LaunchingHandler.Outcome outcome = harness.launching().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

            // With auto-unseal, joining needs the seal to decrypt the leader's challenge: with the key disabled
            // the node stays uninitialized (sys/health 501) and the handler reports that it has not joined.
            assertThat(outcome.action()).isEqualTo("ABANDON");
            assertThat(outcome.reason()).isEqualTo("not-in-raft");
            assertThat(cluster.healthCode(cluster.node(newId))).isEqualTo(501);
            assertThat(cluster.raftNodeIds()).doesNotContain(newId);
        } finally {
            cluster.rig().kms().enableKey(r -> r.keyId(cluster.kmsKeyId()));
        }
    }

    @Test
    void launchingIntoTheWarmPoolContinuesAtOnceWithoutTouchingVault() throws Exception {
        String group = cluster.groupNames().get(0);
        LifecycleRecorder.LifecycleAction action = cluster.openLaunch(group, "i-0aaaaaaaaaaaaaaa1");
        long audited = cluster.auditedRequests();

        // Through the Lambda entry point, as the runtime calls it.
        java.io.ByteArrayOutputStream output = new java.io.ByteArrayOutputStream();
        harness.launching().handleRequest(new java.io.ByteArrayInputStream(
                EventBridgeEvents.forAction(action, "EC2", "WarmPool")), output, new dev.raftlifecycle.rig.LocalLambdaContext(LAMBDA_TIME));
        JsonNode outcome = new com.fasterxml.jackson.databind.ObjectMapper().readTree(output.toByteArray());

        assertThat(outcome.path("action").asText()).isEqualTo("CONTINUE");
        assertThat(outcome.path("reason").asText()).isEqualTo("warm-pool");
        assertThat(outcome.path("polls").asInt()).isZero();
        assertThat(harness.awsCalls()).containsExactly("autoscaling:CompleteLifecycleAction");
        assertThat(cluster.auditedRequests()).isEqualTo(audited);
    }

    @Test
    void aDuplicateEventForAnInstanceAlreadyInServiceCompletesWithoutError() {
        VaultNode member = cluster.runningNodes().get(0);
        LifecycleRecorder.LifecycleAction action = cluster.openLaunch(member.groupName(), member.instanceId());
        byte[] event = EventBridgeEvents.forAction(action);
        LaunchingHandler handler = harness.launching();

        LaunchingHandler.Outcome first = handler.handle(event, LAMBDA_TIME);
        LaunchingHandler.Outcome second = handler.handle(event, LAMBDA_TIME);

        assertThat(first.action()).isEqualTo("CONTINUE");
        assertThat(first.completion()).isEqualTo("COMPLETED");
        assertThat(second.action()).isEqualTo("NONE");
        assertThat(second.reason()).isEqualTo("already-ended");
        assertThat(second.completion()).isEqualTo("ALREADY_ENDED");
        assertThat(second.polls()).isZero(); // no Vault call for an action that has ended
    }

    @Test
    void verificationsOfDifferentInstancesRunInParallel() {
        String a = cluster.launchInstance(cluster.groupNames().get(0));
        String b = cluster.launchInstance(cluster.groupNames().get(1));
        LifecycleRecorder.LifecycleAction actionA = cluster.openLaunch(cluster.groupNames().get(0), a);
        LifecycleRecorder.LifecycleAction actionB = cluster.openLaunch(cluster.groupNames().get(1), b);
        LaunchingHandler handlerA = harness.launching();
        LaunchingHandler handlerB = new HandlerHarness(cluster).launching();
        Instant[] spanA = new Instant[2];
        Instant[] spanB = new Instant[2];
        CompletableFuture<LaunchingHandler.Outcome> runA = CompletableFuture.supplyAsync(
                () -> timed(spanA, () -> handlerA.handle(EventBridgeEvents.forAction(actionA), LAMBDA_TIME)), HandlerHarness.THREADS);
        CompletableFuture<LaunchingHandler.Outcome> runB = CompletableFuture.supplyAsync(
                () -> timed(spanB, () -> handlerB.handle(EventBridgeEvents.forAction(actionB), LAMBDA_TIME)), HandlerHarness.THREADS);
        sleep(1000);
        cluster.startNode(a);
        cluster.startNode(b);
        LaunchingHandler.Outcome outcomeA = runA.join();
        LaunchingHandler.Outcome outcomeB = runB.join();
        try {
            assertThat(outcomeA.action()).isEqualTo("CONTINUE");
            assertThat(outcomeB.action()).isEqualTo("CONTINUE");
            // Both were verifying at the same time: each started before the other finished, and each had to
            // poll while its node booted (one queued behind the other would find its node ready at once).
            assertThat(spanA[0]).isBefore(spanB[1]);
            assertThat(spanB[0]).isBefore(spanA[1]);
            assertThat(outcomeA.polls()).isGreaterThan(1);
            assertThat(outcomeB.polls()).isGreaterThan(1);
        } finally {
            cluster.retire(a);
            cluster.retire(b);
        }
    }

    private static <T> T timed(Instant[] span, java.util.function.Supplier<T> work) {
        span[0] = Instant.now();
        try {
            return work.get();
        } finally {
            span[1] = Instant.now();
        }
    }

    @Test
    void malformedInputFailsNamingTheFieldAndCallsNothing() {
        LaunchingHandler handler = harness.launching();
        String terminateEvent = new String(EventBridgeEvents.forAction(cluster.openTermination(
                cluster.runningNodes().get(0).instanceId())), StandardCharsets.UTF_8);
        long audited = cluster.auditedRequests();
        assertThatThrownBy(() -> handler.handle(terminateEvent.getBytes(StandardCharsets.UTF_8), LAMBDA_TIME))
                .isInstanceOf(InvalidEventException.class).hasMessageStartingWith("detail-type:");
        assertThatThrownBy(() -> handler.handle("{".getBytes(StandardCharsets.UTF_8), LAMBDA_TIME))
                .isInstanceOf(InvalidEventException.class).hasMessageStartingWith("event:");
        assertThatThrownBy(() -> handler.handle(new byte[0], LAMBDA_TIME))
                .isInstanceOf(InvalidEventException.class).hasMessageStartingWith("event:");
        assertThat(harness.awsCalls()).isEmpty();
        assertThat(cluster.auditedRequests()).isEqualTo(audited); // and no Vault request
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
