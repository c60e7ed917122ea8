package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.events.InvalidEventException;
import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.Net;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.VaultClusterExtension;
import dev.raftlifecycle.rig.VaultNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The terminating handler against a real 3-node Vault Raft cluster and the AWS emulator. */
class TerminatingHandlerIT {
    private static final Duration LAMBDA_TIME = Duration.ofMinutes(5);

    @RegisterExtension
    static final VaultClusterExtension CLUSTER = new VaultClusterExtension(ClusterSpec.defaults());

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

    private VaultNode follower() {
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        return cluster.runningNodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
    }

    private List<LifecycleRecorder.LifecycleCall> completions(LifecycleRecorder.LifecycleAction action) {
        return cluster.rig().recorder().lifecycleCalls(action.token()).stream()
                .filter(c -> c.action().equals("CompleteLifecycleAction")).toList();
    }

    @Test
    void removesAFollowerThenContinuesAndDataWrittenBeforeSurvives() {
        assertThat(cluster.kvPut("terminating/before", "kept")).isTrue();
        VaultNode follower = follower();
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("CONTINUE");
        assertThat(outcome.reason()).isEqualTo("voter-removed");
        assertThat(outcome.peerRemoved()).isTrue();
        assertThat(outcome.steppedDown()).isFalse();
        assertThat(cluster.raftNodeIds()).doesNotContain(follower.instanceId()).hasSize(2);
        assertThat(completions(action)).singleElement().satisfies(c -> {
            assertThat(c.result()).isEqualTo("CONTINUE");
            assertThat(c.accepted()).isTrue();
            assertThat(c.token()).isEqualTo(action.token());
        });
        cluster.finishTermination(follower.instanceId());
        cluster.awaitLeader(Duration.ofSeconds(30));
        assertThat(cluster.kvGet("terminating/before")).contains("kept");
        assertThat(harness.log).anySatisfy(line -> assertThat(line)
                .contains("\"action\":\"CONTINUE\"", "\"PeerRemoved\":1.0", "\"CloudWatchMetrics\"")
                .doesNotContain("hvs."));
    }

    @Test
    void removesTheLeaderAfterSteppingItDown() {
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(leader.instanceId());

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("CONTINUE");
        assertThat(outcome.steppedDown()).isTrue();
        assertThat(outcome.peerRemoved()).isTrue();
        assertThat(outcome.reason()).isEqualTo("leader-removed");
        assertThat(cluster.raftNodeIds()).doesNotContain(leader.instanceId()).hasSize(2);
        VaultNode newLeader = cluster.awaitLeader(Duration.ofSeconds(30));
        assertThat(newLeader.instanceId()).isNotEqualTo(leader.instanceId());
        assertThat(completions(action)).extracting(LifecycleRecorder.LifecycleCall::result).containsExactly("CONTINUE");
        // CONTINUE waited, outside the lock, for the step-down's quiet period (STEP_DOWN_QUIET_SECONDS, 10 s from when
        // another leader was seen): a Vault stopped sooner holds every request to it until then.
        String decision = harness.log.stream().filter(l -> l.contains("\"event\":\"decision\"")).reduce((a, b) -> b)
                .orElseThrow();
        java.util.regex.Matcher quiet = java.util.regex.Pattern.compile("\"stepDownQuietMs\":(\\d+)").matcher(decision);
        assertThat(quiet.find()).as(decision).isTrue();
        assertThat(Long.parseLong(quiet.group(1))).as(decision).isBetween(1L, 10_000L);
        cluster.finishTermination(leader.instanceId());
        assertThat(cluster.kvPut("terminating/after-leader", "ok")).isTrue();
    }

    @Test
    void theSameEventTwiceRemovesOnceAndBothDeliveriesCompleteWithoutError() {
        VaultNode follower = follower();
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());
        byte[] event = EventBridgeEvents.forAction(action);
        TerminatingHandler handler = harness.terminating();

        TerminatingHandler.Outcome first = handler.handle(event, LAMBDA_TIME);
        TerminatingHandler.Outcome second = handler.handle(event, LAMBDA_TIME);

        assertThat(first.peerRemoved()).isTrue();
        assertThat(first.completion()).isEqualTo("COMPLETED");
        // The second delivery finds the action ended (its opening heartbeat is refused) and changes nothing.
        assertThat(second.action()).isEqualTo("NONE");
        assertThat(second.reason()).isEqualTo("already-ended");
        assertThat(second.peerRemoved()).isFalse();
        assertThat(second.completion()).isEqualTo("ALREADY_ENDED");
        assertThat(completions(action)).extracting(LifecycleRecorder.LifecycleCall::accepted).containsExactly(true);
        assertThat(harness.log.stream().filter(l -> l.contains("\"PeerRemoved\":1.0")).count()).isEqualTo(1);
        assertThat(cluster.raftNodeIds()).hasSize(2);
        cluster.finishTermination(follower.instanceId());
    }

    @Test
    void anInstanceThatIsNotAMemberContinuesAndNothingIsRemoved() throws Exception {
        // An instance of the group whose Vault never joined (its first boot failed, say), scaled in.
        String group = cluster.groupNames().get(0);
        String stranger = cluster.launchInstance(group);
        LifecycleRecorder.LifecycleAction action = cluster.rig().recorder().open(group, cluster.terminateHook(),
                stranger, "autoscaling:EC2_INSTANCE_TERMINATING");

        // Through the Lambda entry point, as the runtime calls it.
        java.io.ByteArrayOutputStream output = new java.io.ByteArrayOutputStream();
        harness.terminating().handleRequest(new java.io.ByteArrayInputStream(EventBridgeEvents.forAction(action)), output,
                new TestLambdaContext(LAMBDA_TIME));
        com.fasterxml.jackson.databind.JsonNode outcome = new com.fasterxml.jackson.databind.ObjectMapper().readTree(output.toByteArray());

        assertThat(outcome.path("action").asText()).isEqualTo("CONTINUE");
        assertThat(outcome.path("reason").asText()).isEqualTo("not-a-member");
        assertThat(outcome.path("peerRemoved").asBoolean()).isFalse();
        assertThat(cluster.raftNodeIds()).hasSize(3);
        assertThat(cluster.rig().recorder().outcome(action.token())).contains("CONTINUE");
        cluster.retireInstance(stranger);
    }

    @Test
    void withAVoterAlreadyDeadTerminatingAHealthyVoterIsRefusedButTheDeadOneIsRemoved() {
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        List<VaultNode> followers = cluster.runningNodes().stream().filter(n -> n != leader).toList();
        VaultNode dead = followers.get(0);
        VaultNode healthy = followers.get(1);
        dead.kill();
        cluster.await("autopilot to see " + dead.instanceId() + " unhealthy", Duration.ofSeconds(60),
                () -> !cluster.autopilot().path("servers").path(dead.instanceId()).path("healthy").asBoolean(true));

        LifecycleRecorder.LifecycleAction refused = cluster.openTermination(healthy.instanceId());
        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(refused), LAMBDA_TIME);
        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("quorum-would-break");
        assertThat(outcome.peerRemoved()).isFalse();
        assertThat(cluster.raftNodeIds()).hasSize(3);
        assertThat(cluster.rig().recorder().outcome(refused.token())).contains("ABANDON");
        assertThat(harness.log).anySatisfy(l -> assertThat(l).contains("\"LifecycleAbandon\":1.0", "quorum-would-break"));

        LifecycleRecorder.LifecycleAction deadOne = cluster.openTermination(dead.instanceId());
        TerminatingHandler.Outcome removed = harness.terminating().handle(EventBridgeEvents.forAction(deadOne), LAMBDA_TIME);
        assertThat(removed.action()).isEqualTo("CONTINUE");
        assertThat(removed.peerRemoved()).isTrue();
        assertThat(cluster.raftNodeIds()).containsExactlyInAnyOrder(leader.instanceId(), healthy.instanceId());
    }

    @Test
    void anUnreachableClusterIsRetriedABoundedNumberOfTimesThenAbandoned() {
        VaultNode follower = follower();
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());
        // Nothing listens on this port on the nodes' addresses: every probe is refused.
        harness.with(Settings.VAULT_PORT, Integer.toString(Net.freePort())).with(Settings.CLUSTER_ATTEMPTS, "3");

        long started = System.nanoTime();
        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("cluster-unreachable");
        // Exactly the configured number of attempts (with backoff between them), then it gives up.
        assertThat(harness.log).filteredOn(l -> l.contains("\"event\":\"decision\""))
                .singleElement().satisfies(l -> assertThat(l).contains("\"clusterAttempts\":3"));
        assertThat(took).isLessThan(Duration.ofSeconds(30));
        assertThat(cluster.raftNodeIds()).hasSize(3);
        assertThat(cluster.rig().recorder().outcome(action.token())).contains("ABANDON");
    }

    @Test
    void aCertificateThatDoesNotNameTheConfiguredServerIsATlsFailureAndAbandons() {
        VaultNode follower = follower();
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());
        harness.with(Settings.VAULT_TLS_SERVER_NAME, "impostor.example.internal");

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("tls-failure");
        assertThat(cluster.raftNodeIds()).hasSize(3);
    }

    @Test
    void anExpiredLifecycleActionIsTreatedAsDone() {
        VaultNode follower = follower();
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());
        byte[] event = EventBridgeEvents.forAction(action);
        cluster.rig().recorder().expire(action.token());

        TerminatingHandler.Outcome outcome = harness.terminating().handle(event, LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("NONE");
        assertThat(outcome.reason()).isEqualTo("already-ended");
        assertThat(outcome.completion()).isEqualTo("ALREADY_ENDED");
        assertThat(outcome.peerRemoved()).isFalse();
        // The group already decided (an expired terminate action with the retain policy keeps the instance,
        // Vault running): nothing is changed and nothing is retried.
        assertThat(cluster.raftNodeIds()).contains(follower.instanceId()).hasSize(3);
        assertThat(completions(action)).isEmpty();
        assertThat(cluster.rig().recorder().lifecycleCalls(action.token()))
                .extracting(LifecycleRecorder.LifecycleCall::action).containsExactly("RecordLifecycleActionHeartbeat");
        cluster.finishTermination(follower.instanceId());
    }

    /** One group emptied on its own is an ordinary termination (decommissioning is judged per cluster). */
    @Test
    void emptyingOneGroupOfAHealthyClusterIsAnOrdinaryRemoval() {
        VaultNode follower = follower();
        String group = follower.groupName();
        // The group scaled to 0 as Auto Scaling shows it while the terminate hook holds its instance (moto would drop
        // the instance from the group at once): the desired capacity shown is 0, the instance is in Terminating:Wait.
        int capacity = cluster.groupInstanceIds(group).size();
        cluster.rig().recorder().adjustDesiredCapacity(group, -capacity);
        LifecycleRecorder.LifecycleAction action = cluster.rig().recorder().open(group, cluster.terminateHook(),
                follower.instanceId(), "autoscaling:EC2_INSTANCE_TERMINATING");

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("CONTINUE");
        assertThat(outcome.reason()).isEqualTo("voter-removed");
        assertThat(outcome.peerRemoved()).isTrue();
        assertThat(cluster.raftNodeIds()).doesNotContain(follower.instanceId());
    }

    @Test
    void anEventForAnotherClustersGroupIsIgnoredWithoutAnyCall() {
        LifecycleRecorder.LifecycleAction action = cluster.rig().recorder().open("someone-elses-group",
                "their-hook", "i-0fedcba9876543210", "autoscaling:EC2_INSTANCE_TERMINATING");
        long auditedBefore = cluster.auditedRequests();

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("IGNORED");
        assertThat(harness.awsCalls()).isEmpty();
        assertThat(cluster.auditedRequests()).isEqualTo(auditedBefore);
        assertThat(cluster.rig().recorder().isOpen(action.token())).isTrue();
        assertThat(harness.log).singleElement().satisfies(l -> assertThat(l).contains("\"event\":\"ignored\"", "foreign-group"));
    }

    static Stream<Arguments> malformedEvents() {
        String good = """
                {"version":"0","id":"e1","detail-type":"EC2 Instance-terminate Lifecycle Action","source":"aws.autoscaling",
                 "account":"123456789012","time":"2026-11-22T00:00:00Z","region":"us-east-1","resources":[],
                 "detail":{"LifecycleActionToken":"87654321-4321-4321-4321-210987654321","AutoScalingGroupName":"GROUP",
                 "LifecycleHookName":"hook","EC2InstanceId":"i-0123456789abcdef0",
                 "LifecycleTransition":"autoscaling:EC2_INSTANCE_TERMINATING"}}""";
        return Stream.of(
                Arguments.of("not json", "{\"source\": ", "event"),
                Arguments.of("not an object", "[1,2]", "event"),
                Arguments.of("wrong detail-type", good.replace("EC2 Instance-terminate", "EC2 Instance-launch"), "detail-type"),
                Arguments.of("wrong source", good.replace("\"aws.autoscaling\"", "\"aws.ec2\""), "source"),
                Arguments.of("wrong transition", good.replace("EC2_INSTANCE_TERMINATING", "EC2_INSTANCE_LAUNCHING"),
                        "detail.LifecycleTransition"),
                Arguments.of("missing token", good.replace("\"LifecycleActionToken\":\"87654321-4321-4321-4321-210987654321\",", ""),
                        "detail.LifecycleActionToken"),
                Arguments.of("missing instance", good.replace("\"EC2InstanceId\":\"i-0123456789abcdef0\",", ""),
                        "detail.EC2InstanceId"),
                Arguments.of("missing group", good.replace("\"AutoScalingGroupName\":\"GROUP\",", ""),
                        "detail.AutoScalingGroupName"),
                Arguments.of("numeric instance id", good.replace("\"i-0123456789abcdef0\"", "12345"), "detail.EC2InstanceId"),
                Arguments.of("object token", good.replace("\"87654321-4321-4321-4321-210987654321\"", "{\"a\":1}"),
                        "detail.LifecycleActionToken"),
                Arguments.of("missing detail", "{\"source\":\"aws.autoscaling\",\"detail-type\":\"EC2 Instance-terminate Lifecycle Action\"}",
                        "detail"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedEvents")
    void malformedInputFailsNamingTheFieldAndCallsNothing(String name, String json, String field) {
        String body = json.replace("GROUP", cluster.groupNames().get(0));
        long auditedBefore = cluster.auditedRequests();
        TerminatingHandler handler = harness.terminating();

        assertThatThrownBy(() -> handler.handle(body.getBytes(StandardCharsets.UTF_8), LAMBDA_TIME))
                .isInstanceOf(InvalidEventException.class)
                .satisfies(e -> assertThat(((InvalidEventException) e).field()).isEqualTo(field))
                .hasMessageStartingWith(field + ":");
        assertThat(harness.awsCalls()).isEmpty();
        assertThat(cluster.auditedRequests()).isEqualTo(auditedBefore);
        assertThat(harness.log).singleElement().satisfies(l -> assertThat(l).contains("invalid-event", field));
    }
}
