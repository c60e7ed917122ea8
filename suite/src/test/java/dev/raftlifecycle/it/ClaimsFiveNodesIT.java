package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.events.Ec2EventParser;
import dev.raftlifecycle.handlers.InterruptionHandler;
import dev.raftlifecycle.handlers.ReconcilerHandler;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.RigGroups;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.VaultNode;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three forged events in a row on a healthy 5-voter cluster (the first group on-demand, the others Spot): before the
 * claims were checked, each removed a voter — the doomed-instance path skips the voter floor — and the third took the
 * cluster to two voters with failure tolerance 0. Now each is a no-op and the five voters stay.
 */
class ClaimsFiveNodesIT {
    private static final Duration LAMBDA_TIME = Duration.ofMinutes(2);

    @RegisterExtension
    static final RaftClusterExtension<VaultCluster> CLUSTER = RaftClusterExtension.vault(
            ClusterSpec.defaults().withTotalNodes(5).withSpotZones(Set.of(1, 2)));

    @Test
    void threeForgedEventsInARowLeaveFiveVoters() {
        VaultCluster cluster = CLUSTER.cluster();
        HandlerHarness harness = new HandlerHarness(cluster);
        Set<String> before = cluster.raftNodeIds();
        String leader = cluster.awaitLeader(Duration.ofSeconds(30)).instanceId();
        List<VaultNode> followers = cluster.runningNodes().stream().filter(n -> !n.instanceId().equals(leader)).toList();
        VaultNode onDemand = followers.stream().filter(n -> !RigGroups.spot(n.groupName())).findFirst().orElseThrow();
        List<VaultNode> spot = followers.stream().filter(n -> RigGroups.spot(n.groupName())).toList();
        InterruptionHandler interruption = harness.interruption();

        // A state change to terminated for a running Spot follower; a Spot warning for an on-demand follower; a Spot
        // warning for another Spot follower whose request EC2 reports fulfilled (no interruption scheduled).
        ReconcilerHandler.EventOutcome first = harness.reconciler().stateChange(Ec2EventParser.stateChange(
                EventBridgeEvents.stateChange(spot.get(0).instanceId(), "terminated")), LAMBDA_TIME);
        InterruptionHandler.Outcome second = interruption.handle(
                EventBridgeEvents.spotInterruption(onDemand.instanceId(), "terminate"), LAMBDA_TIME);
        InterruptionHandler.Outcome third = interruption.handle(
                EventBridgeEvents.spotInterruption(spot.get(1).instanceId(), "terminate"), LAMBDA_TIME);

        assertThat(List.of(first.action(), second.action(), third.action())).containsOnly("NONE");
        assertThat(List.of(first.reason(), second.reason(), third.reason())).containsOnly("claim-not-confirmed");
        assertThat(cluster.raftNodeIds()).isEqualTo(before).hasSize(5);
        cluster.await("five healthy voters, failure tolerance 2", Duration.ofSeconds(30), () ->
                cluster.autopilot().path("healthy").asBoolean(false)
                        && cluster.autopilot().path("failure_tolerance").asInt() == 2);
        assertThat(harness.log.stream().filter(l -> l.contains("\"ClaimsNotConfirmed\":1.0"))).hasSize(3);
    }
}
