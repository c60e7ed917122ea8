package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.handlers.HealthPublisherHandler;
import dev.raftlifecycle.handlers.LaunchingHandler;
import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.RaftCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.RaftNode;
import dev.raftlifecycle.rig.Rig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.RetentionAction;

/**
 * Shadow mode (MODE=shadow) and the retain-policy gate on a real 3-server cluster of every system ({@link ShadowIT}
 * Vault, {@link ConsulShadowIT} Consul) and the AWS emulator.
 *
 * <p>Shadow: a follower's and the leader's termination change nothing in Raft (same peers, same leader), complete
 * CONTINUE, and log as "would" what the test's own model of a healthy 3-voter cluster says (a follower: remove-peer
 * of it, voter-removed; the leader: step-down then remove-peer of it, leader-removed). The same termination is then
 * handed to the active mode on the same, unchanged cluster: what it does must be what shadow said it would do. A
 * launch in shadow completes CONTINUE before the server has even started, and logs the active verdict (ready) once
 * it has joined.
 *
 * <p>Retain gate: a group reporting no instance lifecycle policy → a follower's termination removes nothing (ABANDON,
 * retain-policy-missing), shadow's "would" says the same, the publisher publishes GroupsWithoutRetainPolicy 1; after
 * the operator's UpdateAutoScalingGroup (through the SDK) the same termination removes the peer.
 */
abstract class ShadowCases {
    static final Duration LAMBDA_TIME = Duration.ofMinutes(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    RaftCluster cluster;
    HandlerHarness active;
    HandlerHarness shadow;
    PublishedMetrics published;
    private final List<String> groupsChanged = new ArrayList<>();

    abstract RaftClusterExtension<? extends RaftCluster> fixture();

    @BeforeEach
    void setUp() {
        cluster = fixture().cluster();
        String run = UUID.randomUUID().toString().substring(0, 8);
        String namespace = "RaftLifecycleIT/" + cluster.system().value() + "/shadow/" + run;
        String dimension = cluster.name() + "-" + run;
        published = new PublishedMetrics(cluster.rig(), namespace, dimension);
        active = new HandlerHarness(cluster).with(Settings.METRICS_NAMESPACE, namespace).with(Settings.CLUSTER_NAME, dimension);
        shadow = new HandlerHarness(cluster).with(Settings.METRICS_NAMESPACE, namespace).with(Settings.CLUSTER_NAME, dimension)
                .with(Settings.MODE, "shadow");
    }

    @AfterEach
    void restore() {
        // The rig is shared: every group back to what the CDK app sets.
        groupsChanged.forEach(g -> cluster.rig().recorder().terminateHookAbandon(g, "retain"));
        cluster.heal(Duration.ofSeconds(120));
    }

    List<LifecycleRecorder.LifecycleCall> completions(LifecycleRecorder.LifecycleAction action) {
        return cluster.rig().recorder().lifecycleCalls(action.token()).stream()
                .filter(c -> c.action().equals("CompleteLifecycleAction")).toList();
    }

    /** The last line of this harness with this event, parsed. */
    static JsonNode lastLine(HandlerHarness harness, String event) throws Exception {
        String line = harness.log.stream().filter(l -> l.contains("\"event\":\"" + event + "\"")).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no " + event + " line in " + harness.log));
        return JSON.readTree(line);
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Back in service, as if the shadow's CONTINUE had not let it go (the rig keeps the instance). */
    void backInService(RaftNode node) {
        cluster.rig().recorder().lifecycleState(node.instanceId(), null);
    }

    /** The terminations in shadow: nothing changes, CONTINUE, and "would" is the model's; then the active mode. */
    private void shadowThenActive(RaftNode subject, boolean leads) throws Exception {
        Set<String> peersBefore = Set.copyOf(cluster.raftNodeIds());
        String leaderBefore = cluster.awaitLeader(Duration.ofSeconds(30)).instanceId();
        assertThat(leaderBefore.equals(subject.instanceId())).isEqualTo(leads);
        // The test's own model of a healthy 3-voter cluster losing one of them.
        String expectedReason = leads ? "leader-removed" : "voter-removed";
        List<String> expectedMutations = leads
                ? List.of("step-down of " + subject.instanceId(), "remove-peer " + subject.instanceId())
                : List.of("remove-peer " + subject.instanceId());

        LifecycleRecorder.LifecycleAction first = cluster.openTermination(subject.instanceId());
        TerminatingHandler.Outcome shadowed = shadow.terminating().handle(EventBridgeEvents.forAction(first), LAMBDA_TIME);

        assertThat(shadowed.action()).isEqualTo("CONTINUE");
        assertThat(shadowed.reason()).isEqualTo("shadow");
        assertThat(shadowed.peerRemoved()).isFalse();
        assertThat(shadowed.steppedDown()).isFalse();
        assertThat(completions(first)).singleElement().satisfies(c -> {
            assertThat(c.result()).isEqualTo("CONTINUE");
            assertThat(c.accepted()).isTrue();
        });
        assertThat(Set.copyOf(cluster.raftNodeIds())).isEqualTo(peersBefore);
        assertThat(cluster.awaitLeader(Duration.ofSeconds(30)).instanceId()).isEqualTo(leaderBefore);
        JsonNode decision = lastLine(shadow, "decision");
        assertThat(decision.path("mode").asText()).isEqualTo("shadow");
        assertThat(decision.path("Reason").asText()).isEqualTo("shadow");
        assertThat(decision.path("would").path("action").asText()).isEqualTo("CONTINUE");
        assertThat(decision.path("would").path("reason").asText()).isEqualTo(expectedReason);
        assertThat(texts(decision.path("would").path("mutations"))).isEqualTo(expectedMutations);
        JsonNode counted = lastLine(shadow, "would");
        assertThat(counted.path("Reason").asText()).isEqualTo(expectedReason);
        assertThat(counted.path(MetricName.WOULD_REMOVE.metricName()).asDouble()).isEqualTo(1.0);
        assertThat(counted.has(MetricName.WOULD_STEP_DOWN.metricName())).isEqualTo(leads);

        // The active mode, on the same cluster state (shadow changed nothing): what it does is what shadow said.
        backInService(subject);
        LifecycleRecorder.LifecycleAction second = cluster.openTermination(subject.instanceId());
        TerminatingHandler.Outcome acted = active.terminating().handle(EventBridgeEvents.forAction(second), LAMBDA_TIME);
        assertThat(acted.action()).isEqualTo(decision.path("would").path("action").asText());
        assertThat(acted.reason()).isEqualTo(decision.path("would").path("reason").asText());
        assertThat(acted.peer()).isEqualTo(decision.path("would").path("peer").asText());
        assertThat(acted.steppedDown()).isEqualTo(texts(decision.path("would").path("mutations")).stream()
                .anyMatch(m -> m.startsWith("step-down of ")));
        assertThat(acted.peerRemoved()).isTrue();
        assertThat(cluster.raftNodeIds()).doesNotContain(subject.instanceId()).hasSize(2);
        cluster.finishTermination(subject.instanceId());
    }

    @Test
    void aFollowersTerminationInShadowChangesNothingAndWouldDoWhatTheActiveModeThenDoes() throws Exception {
        shadowThenActive(cluster.follower(), false);
    }

    @Test
    void theLeadersTerminationInShadowChangesNothingAndWouldDoWhatTheActiveModeThenDoes() throws Exception {
        shadowThenActive(cluster.awaitLeader(Duration.ofSeconds(30)), true);
    }

    @Test
    void aLaunchInShadowContinuesAtOnceAndLogsTheActiveVerdictOnceTheServerJoined() throws Exception {
        RaftNode follower = cluster.follower();
        cluster.removePeer(follower.instanceId());
        String group = follower.groupName();
        String newId = cluster.finishTermination(follower.instanceId());
        LifecycleRecorder.LifecycleAction action = cluster.openLaunch(group, newId);
        LaunchingHandler handler = shadow.launching();
        CompletableFuture<LaunchingHandler.Outcome> running = CompletableFuture.supplyAsync(
                () -> handler.handle(EventBridgeEvents.forAction(action), LAMBDA_TIME), HandlerHarness.THREADS);
        // CONTINUE at once: before the server has even started.
        Instant deadline = Instant.now().plusSeconds(20);
        while (completions(action).isEmpty() && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
        }
        assertThat(completions(action)).singleElement().satisfies(c -> assertThat(c.result()).isEqualTo("CONTINUE"));
        assertThat(running).isNotDone();
        cluster.startNode(newId);

        LaunchingHandler.Outcome outcome = running.join();

        assertThat(outcome.action()).isEqualTo("CONTINUE");
        assertThat(outcome.reason()).isEqualTo("shadow");
        assertThat(outcome.completion()).isEqualTo("COMPLETED");
        assertThat(completions(action)).hasSize(1);
        JsonNode decision = lastLine(shadow, "decision");
        assertThat(decision.path("mode").asText()).isEqualTo("shadow");
        assertThat(decision.path("would").path("action").asText()).isEqualTo("CONTINUE");
        assertThat(decision.path("would").path("reason").asText()).isEqualTo("ready");
        assertThat(cluster.raftNodeIds()).contains(newId).hasSize(3);
    }

    /**
     * A false claim in shadow mode: a terminate event naming an InService instance, with the token of another
     * instance's open action. Shadow completes CONTINUE only on an action AWS confirms: nothing is completed (a
     * CONTINUE here would let the other instance go), nothing changes.
     */
    @Test
    void aTerminateEventAwsDoesNotConfirmCompletesNothingInShadow() throws Exception {
        Set<String> peersBefore = Set.copyOf(cluster.raftNodeIds());
        String leader = cluster.awaitLeader(Duration.ofSeconds(30)).instanceId();
        List<? extends RaftNode> followers = cluster.nodes().stream().filter(n -> !n.instanceId().equals(leader))
                .toList();
        RaftNode other = followers.get(0);
        RaftNode inService = followers.get(1);
        LifecycleRecorder.LifecycleAction open = cluster.openTermination(other.instanceId());
        ObjectNode event = (ObjectNode) JSON.readTree(EventBridgeEvents.forAction(open));
        ((ObjectNode) event.get("detail")).put("EC2InstanceId", inService.instanceId());

        TerminatingHandler.Outcome outcome = shadow.terminating().handle(JSON.writeValueAsBytes(event), LAMBDA_TIME);

        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("NONE");
        assertThat(outcome.reason()).isEqualTo("claim-not-confirmed");
        assertThat(completions(open)).isEmpty();
        assertThat(cluster.rig().recorder().isOpen(open.token())).isTrue();
        assertThat(Set.copyOf(cluster.raftNodeIds())).isEqualTo(peersBefore);
        cluster.rig().recorder().expire(open.token());
        backInService(other);
    }

    @Test
    void theStatusARollGatesOnIsNotHealthyInShadowModeOnTheSameHealthyCluster() {
        // A roll counts on the terminating handler to remove each replaced server's peer; shadow mode removes none.
        assertThat(active.publisher().status(Duration.ofMinutes(1)).healthy()).isTrue();
        dev.raftlifecycle.decisions.ClusterStatus status = shadow.publisher().status(Duration.ofMinutes(1));
        assertThat(status.healthy()).isFalse();
        assertThat(status.problems()).singleElement().asString().startsWith("MODE=shadow");
        assertThat(status.voters()).isEqualTo(3);
    }

    @Test
    void aGroupWithoutTheRetainPolicyStopsEveryRemovalUntilTheOperatorSetsIt() throws Exception {
        RaftNode follower = cluster.follower();
        String group = follower.groupName();
        groupsChanged.add(group);
        cluster.rig().recorder().terminateHookAbandon(group, null);
        Set<String> peersBefore = Set.copyOf(cluster.raftNodeIds());

        HealthPublisherHandler.Outcome run = active.publisher().run(Duration.ofMinutes(1));
        assertThat(run.metrics()).containsEntry(MetricName.GROUPS_WITHOUT_RETAIN_POLICY.metricName(), 1.0);
        assertThat(published.readBack(MetricName.GROUPS_WITHOUT_RETAIN_POLICY, "Maximum")).contains(1.0);

        // Shadow's "would" includes the gate.
        LifecycleRecorder.LifecycleAction watched = cluster.openTermination(follower.instanceId());
        shadow.terminating().handle(EventBridgeEvents.forAction(watched), LAMBDA_TIME);
        JsonNode would = lastLine(shadow, "decision").path("would");
        assertThat(would.path("action").asText()).isEqualTo("ABANDON");
        assertThat(would.path("reason").asText()).isEqualTo("retain-policy-missing");
        assertThat(texts(would.path("mutations"))).isEmpty();
        backInService(follower);

        LifecycleRecorder.LifecycleAction refused = cluster.openTermination(follower.instanceId());
        TerminatingHandler.Outcome kept = active.terminating().handle(EventBridgeEvents.forAction(refused), LAMBDA_TIME);
        assertThat(kept.action()).isEqualTo("ABANDON");
        assertThat(kept.reason()).isEqualTo("retain-policy-missing");
        assertThat(kept.peerRemoved()).isFalse();
        assertThat(kept.steppedDown()).isFalse();
        assertThat(kept.detail()).contains(group + " (no instance lifecycle policy)")
                .contains("--auto-scaling-group-name " + group + " --instance-lifecycle-policy"
                        + " 'RetentionTriggers={TerminateHookAbandon=retain}'");
        assertThat(Set.copyOf(cluster.raftNodeIds())).isEqualTo(peersBefore);
        backInService(follower);

        // The operator's remedy, through the SDK and the front.
        try (AutoScalingClient operator = AutoScalingClient.builder().region(Rig.REGION)
                .endpointOverride(cluster.rig().awsEndpoint())
                .credentialsProvider(StaticCredentialsProvider.create(cluster.rig().adminCredentials()))
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build()) {
            operator.updateAutoScalingGroup(r -> r.autoScalingGroupName(group).instanceLifecyclePolicy(
                    p -> p.retentionTriggers(t -> t.terminateHookAbandon(RetentionAction.RETAIN))));
        }
        assertThat(active.publisher().run(Duration.ofMinutes(1)).metrics())
                .containsEntry(MetricName.GROUPS_WITHOUT_RETAIN_POLICY.metricName(), 0.0);

        LifecycleRecorder.LifecycleAction again = cluster.openTermination(follower.instanceId());
        TerminatingHandler.Outcome removed = active.terminating().handle(EventBridgeEvents.forAction(again), LAMBDA_TIME);
        assertThat(removed.action()).isEqualTo("CONTINUE");
        assertThat(removed.reason()).isEqualTo("voter-removed");
        assertThat(removed.peerRemoved()).isTrue();
        assertThat(cluster.raftNodeIds()).doesNotContain(follower.instanceId()).hasSize(2);
        cluster.finishTermination(follower.instanceId());
    }
}
