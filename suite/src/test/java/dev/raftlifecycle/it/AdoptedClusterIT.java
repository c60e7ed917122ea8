package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.contract.Defaults;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.handlers.LaunchingHandler;
import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.rig.ClusterAdoption;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.EtcHosts;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.VaultNode;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.autoscaling.model.LifecycleHook;

/**
 * A cluster not built our way, adopted (issue 32): three Vault nodes whose node_ids are random UUIDs and whose api_addr
 * and cluster_addr name the instance's EC2 private DNS name ({@link ClusterSpec#asForeign()}), on groups that had none of
 * our hooks and no retain policy until {@link ClusterAdoption} added them (as an operator does with the adopt stack and
 * the retain step). The real handlers against it: terminations remove the peer whose address is that instance's DNS
 * name, launches are admitted once joined, an address reused by a new instance is not taken for the old peer, a group
 * without the retain policy stops every removal, and shadow mode changes nothing and says what active mode does.
 *
 * <p>What each case expects comes from the cluster, not from the handlers' own matching: the peer of an instance is the
 * node_id the rig gave its Vault process, and its address is the name EC2 reports for the instance.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdoptedClusterIT {
    private static final Duration LAMBDA_TIME = Duration.ofMinutes(5);
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    @RegisterExtension
    static final RaftClusterExtension<VaultCluster> CLUSTER = RaftClusterExtension.vault(ClusterSpec.defaults().asForeign());

    private static volatile boolean adopted;
    private VaultCluster cluster;
    private HandlerHarness harness;

    @BeforeEach
    void adoptOnce() {
        cluster = CLUSTER.cluster();
        if (!adopted) {
            // Built by another tool: no hook of ours on any group before adoption.
            for (String group : cluster.groupNames()) {
                assertThat(cluster.rig().autoScaling().describeLifecycleHooks(r -> r.autoScalingGroupName(group))
                        .lifecycleHooks()).as(group + " before adoption").isEmpty();
            }
            ClusterAdoption.adopt(cluster, true);
            adopted = true;
        }
        harness = new HandlerHarness(cluster).with(Settings.LAUNCH_MAX_WAIT_SECONDS, "60");
    }

    @AfterEach
    void restoreThreeVoters() {
        cluster.heal(Duration.ofSeconds(120));
    }

    /** The node_id → address map of the Raft configuration. */
    private Map<String, String> peers() {
        return cluster.raftAddresses();
    }

    /** host:port the instance's peer must have: the private DNS name EC2 reports for it, and the cluster port. */
    private String dnsAddress(String instanceId) {
        return cluster.privateDnsName(instanceId) + ":" + (cluster.apiPort() + 1);
    }

    private List<LifecycleRecorder.LifecycleCall> completions(LifecycleRecorder.LifecycleAction action) {
        return cluster.rig().recorder().lifecycleCalls(action.token()).stream()
                .filter(c -> c.action().equals("CompleteLifecycleAction")).toList();
    }

    private VaultNode follower() {
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        return cluster.runningNodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
    }

    @Test
    @Order(1)
    void theClusterIsBuiltAsOtherToolsBuildItAndAdoptionAddsOurHooks() {
        Map<String, String> peers = peers();
        assertThat(peers).hasSize(3);
        for (VaultNode node : cluster.nodes()) {
            assertThat(node.nodeId()).matches(UUID).isNotEqualTo(node.instanceId());
            String dns = cluster.privateDnsName(node.instanceId());
            assertThat(dns).as("EC2's private DNS name").endsWith(".ec2.internal").doesNotContain(node.ip());
            assertThat(peers).containsEntry(node.nodeId(), dnsAddress(node.instanceId()));
            assertThat(EtcHosts.names(cluster.name())).containsEntry(dns, node.ip());
        }
        for (String group : cluster.groupNames()) {
            assertThat(cluster.rig().autoScaling().describeLifecycleHooks(r -> r.autoScalingGroupName(group))
                    .lifecycleHooks()).extracting(LifecycleHook::lifecycleHookName)
                    .containsExactlyInAnyOrder(cluster.launchHook(), cluster.terminateHook());
        }
    }

    @Test
    @Order(2)
    void aFollowersTerminationRemovesThePeerAtItsDnsNameAndItsReplacementIsAdmittedOnlyOnceJoined() throws Exception {
        VaultNode follower = follower();
        Map<String, String> before = peers();
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("CONTINUE");
        assertThat(outcome.reason()).isEqualTo("voter-removed");
        assertThat(outcome.peerRemoved()).isTrue();
        Map<String, String> expected = new HashMap<>(before);
        expected.remove(follower.nodeId());
        assertThat(peers()).as("exactly the follower's peer (its DNS name) removed").isEqualTo(expected);
        assertThat(completions(action)).extracting(LifecycleRecorder.LifecycleCall::result).containsExactly("CONTINUE");

        String replacement = cluster.finishTermination(follower.instanceId());
        admittedOnlyOnceJoined(replacement, follower.groupName());
    }

    @Test
    @Order(3)
    void theLeadersTerminationHandsLeadershipOverAndRemovesThePeerAtItsDnsName() throws Exception {
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        Map<String, String> before = peers();
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(leader.instanceId());

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("CONTINUE");
        assertThat(outcome.reason()).isEqualTo("leader-removed");
        assertThat(outcome.steppedDown()).isTrue();
        assertThat(outcome.peerRemoved()).isTrue();
        Map<String, String> expected = new HashMap<>(before);
        expected.remove(leader.nodeId());
        assertThat(peers()).isEqualTo(expected);
        assertThat(cluster.awaitLeader(Duration.ofSeconds(30))).isNotSameAs(leader);

        String replacement = cluster.finishTermination(leader.instanceId());
        admittedOnlyOnceJoined(replacement, leader.groupName());
        assertThat(cluster.kvPut("adopted/after-leader", "ok")).isTrue();
    }

    /**
     * The launching handler runs while the replacement's Vault is not started: the action stays open; once the node is
     * started and joined, CONTINUE, and by then the new node's own peer (its UUID, at its DNS name) is a voter.
     */
    private void admittedOnlyOnceJoined(String replacement, String group) throws Exception {
        LifecycleRecorder.LifecycleAction launch = cluster.openLaunch(group, replacement);
        CompletableFuture<LaunchingHandler.Outcome> verdict = CompletableFuture.supplyAsync(
                () -> harness.launching().handle(EventBridgeEvents.forAction(launch), LAMBDA_TIME), HandlerHarness.THREADS);
        Thread.sleep(4000);
        assertThat(cluster.rig().recorder().isOpen(launch.token())).as("admitted before its Vault even started").isTrue();
        Instant started = Instant.now();
        VaultNode node = cluster.startNode(replacement);

        LaunchingHandler.Outcome outcome = verdict.get(90, TimeUnit.SECONDS);

        assertThat(outcome.action()).isEqualTo("CONTINUE");
        assertThat(completions(launch)).singleElement().satisfies(c -> {
            assertThat(c.result()).isEqualTo("CONTINUE");
            assertThat(c.at()).isAfter(started);
        });
        assertThat(peers()).containsEntry(node.nodeId(), dnsAddress(replacement)).hasSize(3);
        assertThat(cluster.autopilotServer(replacement)).hasValueSatisfying(s -> assertThat(s.voter()).isTrue());
    }

    /**
     * EC2 gives a terminated instance's private address to a later instance of the subnet: the new instance has the old
     * one's IP and so its private DNS name, the address the old peer had (the rig's front shows it so; moto never
     * reuses an address). The new instance is admitted only once its own node joined, and a late terminate event for
     * the old instance (a redelivery, or a second action for it) does not remove the new instance's peer, which now
     * sits at that name.
     */
    @Test
    @Order(4)
    void anAddressReusedByANewInstanceIsNotTakenForTheOldPeer() throws Exception {
        VaultNode follower = follower();
        String old = follower.instanceId();
        String oldName = cluster.privateDnsName(old);
        LifecycleRecorder.LifecycleAction first = cluster.openTermination(old);
        assertThat(harness.terminating().handle(EventBridgeEvents.forAction(first), LAMBDA_TIME).peerRemoved()).isTrue();
        cluster.retireInstance(old);
        String replacement = cluster.launchInstanceAtAddressOf(follower.groupName(), old);
        assertThat(cluster.privateIp(replacement)).isEqualTo(follower.ip());
        assertThat(cluster.privateDnsName(replacement)).isEqualTo(oldName);

        admittedOnlyOnceJoined(replacement, follower.groupName());
        VaultNode newcomer = cluster.node(replacement);
        Map<String, String> before = peers();
        assertThat(before).containsEntry(newcomer.nodeId(), oldName + ":" + (cluster.apiPort() + 1));

        // The old instance's terminate event, late.
        LifecycleRecorder.LifecycleAction late = cluster.rig().recorder().open(follower.groupName(),
                cluster.terminateHook(), old, "autoscaling:EC2_INSTANCE_TERMINATING");
        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(late), LAMBDA_TIME);

        assertThat(outcome.peerRemoved()).isFalse();
        assertThat(outcome.action()).isNotEqualTo("ABANDON");
        assertThat(peers()).as("the newcomer's peer at the reused name is untouched").isEqualTo(before);
        assertThat(newcomer.running()).isTrue();
    }

    /**
     * One group without the retain policy (TerminateHookAbandon not retain): an ABANDON there would terminate the
     * instance anyway, so the handlers remove nothing, and say why.
     */
    @Test
    @Order(5)
    void aGroupWithoutTheRetainPolicyStopsEveryRemovalWithAClearReason() {
        VaultNode follower = follower();
        String otherGroup = cluster.groupNames().stream().filter(g -> !g.equals(follower.groupName())).findFirst()
                .orElseThrow();
        setTerminateHookAbandon(otherGroup, "terminate");
        try {
            Map<String, String> before = peers();
            LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());

            TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

            assertThat(outcome.reason()).isEqualTo("retain-policy-missing");
            assertThat(outcome.peerRemoved()).isFalse();
            assertThat(outcome.steppedDown()).isFalse();
            assertThat(peers()).isEqualTo(before);
            assertThat(follower.running()).isTrue();
            assertThat(String.join("\n", harness.log)).contains("retain-policy-missing", otherGroup);
        } finally {
            setTerminateHookAbandon(otherGroup, ClusterAdoption.RETAIN);
        }
    }

    private void setTerminateHookAbandon(String group, String value) {
        try (var autoScaling = software.amazon.awssdk.services.autoscaling.AutoScalingClient.builder()
                .region(dev.raftlifecycle.rig.Rig.REGION).endpointOverride(cluster.rig().awsEndpoint())
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        cluster.rig().adminCredentials()))
                .httpClientBuilder(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder()).build()) {
            autoScaling.updateAutoScalingGroup(r -> r.autoScalingGroupName(group).instanceLifecyclePolicy(p -> p
                    .retentionTriggers(t -> t.terminateHookAbandon(value))));
        }
    }

    /**
     * Shadow mode on the same cluster state as active mode: the follower's and the leader's terminations change nothing
     * in Raft, complete CONTINUE at once, and say (WouldRemove / WouldStepDown, with the active mode's reason) what the
     * active handler then does to the same state.
     */
    @Test
    @Order(6)
    void inShadowModeTerminationsChangeNothingCompleteContinueAndLogWhatActiveModeDoes() {
        for (boolean leader : new boolean[] {false, true}) {
            VaultNode target = leader ? cluster.awaitLeader(Duration.ofSeconds(30)) : follower();
            Map<String, String> before = peers();
            String leaderBefore = cluster.awaitLeader(Duration.ofSeconds(30)).instanceId();
            HandlerHarness shadow = new HandlerHarness(cluster).with(Settings.MODE, Defaults.MODE_SHADOW);
            LifecycleRecorder.LifecycleAction watched = cluster.openTermination(target.instanceId());

            TerminatingHandler.Outcome would = shadow.terminating().handle(EventBridgeEvents.forAction(watched), LAMBDA_TIME);

            assertThat(would.action()).isEqualTo("CONTINUE");
            assertThat(would.peerRemoved()).isFalse();
            assertThat(would.steppedDown()).isFalse();
            assertThat(completions(watched)).extracting(LifecycleRecorder.LifecycleCall::result).containsExactly("CONTINUE");
            assertThat(peers()).as("shadow mode changed nothing in Raft").isEqualTo(before);
            assertThat(cluster.awaitLeader(Duration.ofSeconds(30)).instanceId()).as("shadow mode stepped no leader down")
                    .isEqualTo(leaderBefore);
            String shadowLog = String.join("\n", shadow.log);

            // The same state, active mode: a fresh action for the same instance (Auto Scaling's next attempt).
            LifecycleRecorder.LifecycleAction acted = cluster.openTermination(target.instanceId());
            TerminatingHandler.Outcome did = harness.terminating().handle(EventBridgeEvents.forAction(acted), LAMBDA_TIME);

            assertThat(did.peerRemoved()).isTrue();
            assertThat(did.steppedDown()).isEqualTo(leader);
            assertThat(shadowLog).as("the shadow decision names what active mode did")
                    .contains("\"" + MetricName.WOULD_REMOVE.metricName() + "\":1.0", "\"Reason\":\"" + did.reason() + "\"");
            if (leader) {
                assertThat(shadowLog).contains("\"" + MetricName.WOULD_STEP_DOWN.metricName() + "\":1.0");
            }
            if (did.peer() != null) {
                assertThat(would.peer()).as("the same peer").isEqualTo(did.peer());
            }
            cluster.heal(Duration.ofSeconds(120));
        }
    }

    /** Shadow mode's launch: CONTINUE at once, before the new node has even started (what the group did before). */
    @Test
    @Order(7)
    void inShadowModeALaunchCompletesContinueAtOnce() {
        VaultNode follower = follower();
        cluster.removePeer(follower.instanceId());
        String replacement = cluster.finishTermination(follower.instanceId());
        LifecycleRecorder.LifecycleAction launch = cluster.openLaunch(follower.groupName(), replacement);
        // It goes on observing, read-only, until the active verdict (here: the node never starts, so the budget).
        HandlerHarness shadow = new HandlerHarness(cluster).with(Settings.MODE, Defaults.MODE_SHADOW)
                .with(Settings.LAUNCH_MAX_WAIT_SECONDS, "10");
        Instant opened = Instant.now();

        LaunchingHandler.Outcome outcome = shadow.launching().handle(EventBridgeEvents.forAction(launch), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("CONTINUE");
        assertThat(completions(launch)).singleElement().satisfies(c -> {
            assertThat(c.result()).isEqualTo("CONTINUE");
            assertThat(Duration.between(opened, c.at())).isLessThan(Duration.ofSeconds(8));
        });
    }
}
