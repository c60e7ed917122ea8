package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.raftlifecycle.contract.LifecycleEvents;
import dev.raftlifecycle.contract.LockTable;
import dev.raftlifecycle.events.Ec2EventParser;
import dev.raftlifecycle.handlers.InterruptionHandler;
import dev.raftlifecycle.handlers.LaunchingHandler;
import dev.raftlifecycle.handlers.ReconcilerHandler;
import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.RigGroups;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.VaultNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Every event is a claim: on a healthy 3-voter cluster (the first group on-demand, the other two Spot), events that
 * AWS's own answer contradicts change nothing — each of these removed a voter before the claims were checked — while
 * genuine events that arrive a moment before AWS's describe calls show them still act.
 */
class ClaimsIT {
    private static final Duration LAMBDA_TIME = Duration.ofMinutes(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final RaftClusterExtension<VaultCluster> CLUSTER = RaftClusterExtension.vault(ClusterSpec.defaults().withSpotZones(Set.of(1, 2)));

    private VaultCluster cluster;
    private HandlerHarness harness;

    @BeforeEach
    void setUp() {
        cluster = CLUSTER.cluster();
        harness = new HandlerHarness(cluster);
    }

    @AfterEach
    void restore() {
        for (VaultNode node : cluster.nodes()) {
            cluster.rig().recorder().spotRequestStatus(node.instanceId(), null);
        }
        // This cluster's actions only: the recorder is the whole JVM's, and other test classes run beside this one.
        for (LifecycleRecorder.LifecycleAction open : cluster.rig().recorder().openActions()) {
            if (cluster.groupNames().contains(open.groupName())) {
                cluster.rig().recorder().expire(open.token());
            }
        }
        cluster.heal(Duration.ofSeconds(120));
    }

    private VaultNode leader() {
        return cluster.awaitLeader(Duration.ofSeconds(30));
    }

    /** A running follower of an on-demand (false) or Spot (true) group. */
    private VaultNode follower(boolean spot) {
        VaultNode leader = leader();
        return cluster.runningNodes().stream().filter(n -> n != leader && RigGroups.spot(n.groupName()) == spot)
                .findFirst().orElseGet(() -> cluster.runningNodes().stream()
                        .filter(n -> RigGroups.spot(n.groupName()) == spot).findFirst().orElseThrow());
    }

    private void assertThreeHealthyVoters(Set<String> before) {
        assertThat(cluster.raftNodeIds()).isEqualTo(before).hasSize(3);
        cluster.await("three healthy voters", Duration.ofSeconds(30), () -> cluster.autopilot().path("healthy").asBoolean(false)
                && cluster.autopilot().path("failure_tolerance").asInt() == 1);
    }

    private static byte[] edit(byte[] event, String field, String value) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(event);
            ObjectNode target = field.startsWith("detail.") ? (ObjectNode) root.get("detail") : root;
            String name = field.startsWith("detail.") ? field.substring("detail.".length()) : field;
            if (value == null) {
                target.remove(name);
            } else {
                target.put(name, value);
            }
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<LifecycleRecorder.LifecycleCall> completions(String token) {
        return cluster.rig().recorder().lifecycleCalls(token).stream()
                .filter(c -> c.action().equals("CompleteLifecycleAction")).toList();
    }

    @Test
    void aStateChangeToTerminatedForARunningFollowerRemovesNothing() {
        Set<String> before = cluster.raftNodeIds();
        VaultNode follower = follower(true);
        long audited = cluster.auditedRequests();

        ReconcilerHandler.EventOutcome outcome = harness.reconciler().stateChange(Ec2EventParser.stateChange(
                EventBridgeEvents.stateChange(follower.instanceId(), "terminated")), LAMBDA_TIME);

        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("NONE");
        assertThat(outcome.reason()).isEqualTo("claim-not-confirmed");
        assertThat(outcome.detail()).contains("the event says terminated, EC2 reports running");
        assertThat(outcome.peerRemoved()).isFalse();
        assertThat(cluster.auditedRequests()).as("no Vault call for an event AWS contradicts").isEqualTo(audited);
        assertThreeHealthyVoters(before);
        assertThat(harness.log).anySatisfy(l -> assertThat(l).contains("\"ClaimsNotConfirmed\":1.0",
                "\"Reason\":\"claim-not-confirmed\""));
    }

    @Test
    void aSpotWarningForAnOnDemandInstanceRemovesNothing() {
        Set<String> before = cluster.raftNodeIds();
        VaultNode onDemand = follower(false);

        InterruptionHandler.Outcome outcome = harness.interruption().handle(
                EventBridgeEvents.spotInterruption(onDemand.instanceId(), "terminate"), LAMBDA_TIME);

        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("NONE");
        assertThat(outcome.reason()).isEqualTo("claim-not-confirmed");
        assertThat(outcome.detail()).contains("on-demand, not a Spot instance");
        assertThreeHealthyVoters(before);
    }

    @Test
    void aSpotWarningForASpotInstanceWhoseRequestEc2DoesNotShowInterruptedRemovesNothing() {
        Set<String> before = cluster.raftNodeIds();
        VaultNode spot = follower(true);

        // EC2 reports the request fulfilled: it has scheduled no interruption (a replayed or made-up warning).
        InterruptionHandler.Outcome outcome = harness.interruption().handle(
                EventBridgeEvents.spotInterruption(spot.instanceId(), "terminate"), LAMBDA_TIME);

        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("NONE");
        assertThat(outcome.reason()).isEqualTo("claim-not-confirmed");
        assertThat(outcome.detail()).contains("Spot request fulfilled, not an interruption");
        assertThreeHealthyVoters(before);
    }

    /** The lab's two events, as the issue reported them: three running voters must stay three voters. */
    @Test
    void twoForgedEventsInARowLeaveEveryVoterInPlace() {
        Set<String> before = cluster.raftNodeIds();
        VaultNode spot = follower(true);
        VaultNode onDemand = follower(false);

        ReconcilerHandler.EventOutcome first = harness.reconciler().stateChange(Ec2EventParser.stateChange(
                EventBridgeEvents.stateChange(spot.instanceId(), "terminated")), LAMBDA_TIME);
        InterruptionHandler.Outcome second = harness.interruption().handle(
                EventBridgeEvents.spotInterruption(onDemand.instanceId(), "terminate"), LAMBDA_TIME);

        assertThat(List.of(first.reason(), second.reason())).containsOnly("claim-not-confirmed");
        assertThreeHealthyVoters(before);
    }

    @Test
    void aGenuineSpotWarningAMomentBeforeEc2MarksTheRequestStillRemovesThePeer() throws Exception {
        VaultNode spot = follower(true);
        Thread marks = new Thread(() -> {
            sleep(2000);
            cluster.rig().recorder().spotRequestStatus(spot.instanceId(), "marked-for-termination");
        });
        marks.start();

        InterruptionHandler.Outcome outcome = harness.interruption().handle(
                EventBridgeEvents.spotInterruption(spot.instanceId(), "terminate"), LAMBDA_TIME);
        marks.join();

        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("REMOVED");
        assertThat(cluster.raftNodeIds()).doesNotContain(spot.instanceId()).hasSize(2);
    }

    @Test
    void aStateChangeAMomentBeforeEc2ReportsTheInstanceGoneStillRemovesThePeer() throws Exception {
        VaultNode victim = follower(true);
        victim.kill();
        Thread terminates = new Thread(() -> {
            sleep(2000);
            cluster.rig().ec2().terminateInstances(r -> r.instanceIds(victim.instanceId()));
        });
        terminates.start();

        ReconcilerHandler.EventOutcome outcome = harness.reconciler().stateChange(Ec2EventParser.stateChange(
                EventBridgeEvents.stateChange(victim.instanceId(), "shutting-down")), LAMBDA_TIME);
        terminates.join();

        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("REMOVED");
        assertThat(cluster.raftNodeIds()).doesNotContain(victim.instanceId()).hasSize(2);
    }

    @Test
    void aTerminateEventAMomentBeforeAutoScalingShowsTheWaitStillRemovesThePeer() throws Exception {
        VaultNode follower = follower(true);
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());
        cluster.rig().recorder().lifecycleState(follower.instanceId(), "InService");
        Thread shows = new Thread(() -> {
            sleep(2000);
            cluster.rig().recorder().lifecycleState(follower.instanceId(), "Terminating:Wait");
        });
        shows.start();

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);
        shows.join();

        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("CONTINUE");
        assertThat(outcome.reason()).isEqualTo("voter-removed");
        cluster.finishTermination(follower.instanceId());
    }

    /**
     * A terminate event naming an instance that is in service, carrying the token of an action that is open (another
     * instance's): Auto Scaling accepts the heartbeat by token, so only the instance's own lifecycle state tells.
     */
    @Test
    void aTerminateEventForAnInstanceInServiceRemovesNothingAndCompletesNothing() {
        Set<String> before = cluster.raftNodeIds();
        VaultNode other = follower(false);
        VaultNode inService = follower(true);
        LifecycleRecorder.LifecycleAction open = cluster.openTermination(other.instanceId());
        byte[] forged = edit(EventBridgeEvents.forAction(open), "detail.EC2InstanceId", inService.instanceId());

        TerminatingHandler.Outcome outcome = harness.terminating().handle(forged, LAMBDA_TIME);

        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("NONE");
        assertThat(outcome.reason()).isEqualTo("claim-not-confirmed");
        assertThat(outcome.detail()).contains("Auto Scaling reports " + inService.instanceId());
        assertThat(completions(open.token())).isEmpty();
        assertThat(cluster.rig().recorder().isOpen(open.token())).isTrue();
        assertThreeHealthyVoters(before);
    }

    /** Another tool's terminate hook on the same group (a drain step, say), its event sent to this function. */
    @Test
    void aTerminateEventOfAnotherHookIsNotThisClustersAndCompletesNothing() {
        Set<String> before = cluster.raftNodeIds();
        VaultNode follower = follower(true);
        String otherHook = "another-teams-drain";
        cluster.rig().autoScaling().putLifecycleHook(r -> r.autoScalingGroupName(follower.groupName())
                .lifecycleHookName(otherHook).lifecycleTransition(LifecycleEvents.TERMINATING_TRANSITION)
                .heartbeatTimeout(300).defaultResult("CONTINUE"));
        try {
            LifecycleRecorder.LifecycleAction theirs = cluster.rig().recorder().open(follower.groupName(), otherHook,
                    follower.instanceId(), LifecycleEvents.TERMINATING_TRANSITION);

            TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(theirs),
                    LAMBDA_TIME);

            assertThat(outcome.action()).as(outcome.detail()).isEqualTo("NONE");
            assertThat(outcome.reason()).isEqualTo("claim-not-confirmed");
            assertThat(outcome.detail()).contains("hook " + otherHook + " is not this cluster's");
            assertThat(completions(theirs.token())).isEmpty();
            assertThreeHealthyVoters(before);
        } finally {
            cluster.rig().autoScaling().deleteLifecycleHook(r -> r.autoScalingGroupName(follower.groupName())
                    .lifecycleHookName(otherHook));
        }
    }

    /** A launch event for a node long in service, with the token of another instance's open launch action. */
    @Test
    void aLaunchEventForAnInstanceAlreadyInServiceCompletesNothing() {
        VaultNode inService = follower(true);
        String fresh = cluster.launchInstance(inService.groupName()); // no Vault on it: it will never be ready
        LifecycleRecorder.LifecycleAction pending = cluster.openLaunch(inService.groupName(), fresh);
        byte[] forged = edit(EventBridgeEvents.forAction(pending), "detail.EC2InstanceId", inService.instanceId());

        LaunchingHandler.Outcome outcome = harness.launching().handle(forged, LAMBDA_TIME);

        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("NONE");
        assertThat(outcome.reason()).isEqualTo("claim-not-confirmed");
        assertThat(outcome.detail()).contains("InService, not Pending:Wait");
        assertThat(completions(pending.token())).as("the other instance's action is left alone").isEmpty();
        cluster.rig().recorder().expire(pending.token());
        cluster.retireInstance(fresh);
    }

    @Test
    void aLifecycleEventThatNamesNoAccountIsRefusedBeforeAnyCall() {
        VaultNode follower = follower(true);
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());
        long audited = cluster.auditedRequests();

        TerminatingHandler.Outcome outcome = harness.terminating().handle(
                edit(EventBridgeEvents.forAction(action), "account", null), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("IGNORED");
        assertThat(outcome.reason()).isEqualTo("no-account");
        assertThat(harness.awsCalls()).as("no AWS call").isEmpty();
        assertThat(cluster.auditedRequests()).as("no Vault call").isEqualTo(audited);
        assertThat(cluster.raftNodeIds()).contains(follower.instanceId());
        assertThat(harness.log).anySatisfy(l -> assertThat(l).contains("\"ClaimsNotConfirmed\":1.0",
                "\"Reason\":\"no-account\""));

        TerminatingHandler.Outcome foreign = harness.terminating().handle(
                edit(EventBridgeEvents.forAction(action), "account", "210987654321"), LAMBDA_TIME);
        assertThat(foreign.reason()).isEqualTo("foreign-account");
        assertThat(harness.awsCalls()).isEmpty();
    }

    /**
     * The lock item overwritten by someone else (a forged lease) after this invocation took the lock: the consistent
     * read right before the removal shows another owner, and nothing is removed.
     */
    @Test
    void aMutatorWhoseLeaseWasOverwrittenBeforeTheRemovalRemovesNothing() {
        VaultNode follower = follower(true);
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());
        // The second heartbeat is the re-check right after the lock is taken: the forgery lands then.
        cluster.rig().recorder().onHeartbeat(action.token(), ordinal -> {
            if (ordinal == 2) {
                harness.dynamo().putItem(r -> r.tableName(harness.lockTable).item(Map.of(
                        LockTable.PARTITION_KEY, AttributeValue.fromS(LockTable.MUTATION_PREFIX + cluster.name()),
                        "Owner", AttributeValue.fromS("forger"),
                        "LeaseUntilMs", AttributeValue.fromN(Long.toString(System.currentTimeMillis() + 600_000)))));
            }
            return false;
        });

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("lease-lost");
        assertThat(outcome.peerRemoved()).isFalse();
        assertThat(cluster.raftNodeIds()).contains(follower.instanceId()).hasSize(3);
        harness.dynamo().deleteItem(r -> r.tableName(harness.lockTable).key(Map.of(LockTable.PARTITION_KEY,
                AttributeValue.fromS(LockTable.MUTATION_PREFIX + cluster.name()))));
    }

    /** A heartbeat refused for a reason that says nothing of the action: whether it is open is unknown. */
    @Test
    void aHeartbeatAnswerThatCannotBeClassifiedMeansNoMutation() {
        VaultNode follower = follower(true);
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());
        cluster.rig().recorder().refuseHeartbeats(action.token(), 1, "AccessDenied");

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("ABANDON");
        assertThat(outcome.reason()).isEqualTo("action-unknown");
        assertThat(outcome.peerRemoved()).isFalse();
        assertThat(cluster.raftNodeIds()).contains(follower.instanceId()).hasSize(3);
        // The ABANDON keeps the instance (retain policy): an operator's, as for any refusal.
        assertThat(completions(action.token())).singleElement().satisfies(c -> assertThat(c.result()).isEqualTo("ABANDON"));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
