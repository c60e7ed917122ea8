package dev.raftlifecycle.decisions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.contract.ClusterSystem;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The status view of one observation. Each cluster here is written out by hand (instances, their own answers, the
 * Raft configuration, autopilot) and each expectation is what an operator looking at that cluster would say: who
 * leads, how many voters can be lost, what is wrong.
 */
class ClusterStatusTest {
    private static final Instant AT = Instant.parse("2026-12-07T15:00:00Z");
    private static final List<String> GROUPS = List.of("g-a", "g-b", "g-c");
    private static final String V = "1.19.0";

    /** A hand-written cluster: add instances, answers and peers, then look. */
    private static final class Cluster {
        final List<GroupState> groups = new ArrayList<>();
        final List<ClusterInstance> instances = new ArrayList<>();
        final Map<String, NodeHealth> health = new LinkedHashMap<>();
        final Map<String, NodeHealth> peerHealth = new LinkedHashMap<>();
        final List<RaftPeer> peers = new ArrayList<>();
        final Map<String, AutopilotServer> autopilot = new HashMap<>();
        Integer autopilotFailureTolerance;
        boolean viewRead = true;

        Cluster() {
            for (String g : GROUPS) {
                groups.add(new GroupState(g, 1, Map.of(), "EC2", 1, 2, Optional.of("4"))
                        .withTerminateHookAbandon(Optional.of(RetainPolicy.RETAIN)));
            }
        }

        /** An instance, running, with its own answer (null: not probed). */
        Cluster instance(String id, String group, String lifecycle, String ip, NodeHealth.State answer, String version) {
            instances.add(new ClusterInstance(id, group, lifecycle, "running", Optional.of(ip), "zone-" + group, "",
                    Optional.empty(), Optional.of("4")));
            if (answer != null) {
                health.put(id, new NodeHealth(id, ip + ":8200", answer, Optional.ofNullable(version), answer.name()));
            }
            return this;
        }

        /** A peer, autopilot calling it healthy (or not) and in recent contact. */
        Cluster peer(String nodeId, String ip, boolean leader, boolean voter, boolean autopilotHealthy) {
            peers.add(new RaftPeer(nodeId, ip + ":8201", leader, voter));
            autopilot.put(nodeId, new AutopilotServer(nodeId, ip + ":8201", "alive", Duration.ofMillis(40), 7, 100,
                    autopilotHealthy, Optional.of(AT.minusSeconds(600)), leader ? "leader" : voter ? "voter" : "non-voter", V));
            return this;
        }

        Cluster autopilotFailureTolerance(int ft) {
            autopilotFailureTolerance = ft;
            return this;
        }

        ClusterStatus look() {
            Optional<ClusterView> view = Optional.empty();
            if (viewRead) {
                List<String> voters = peers.stream().filter(RaftPeer::voter).map(RaftPeer::nodeId).toList();
                String leader = peers.stream().filter(RaftPeer::leader).map(RaftPeer::nodeId).findFirst().orElse("");
                view = Optional.of(new ClusterView(peers, new AutopilotState(true,
                        autopilotFailureTolerance == null ? 5 : autopilotFailureTolerance, leader, voters, autopilot),
                        new AutopilotSettings(Duration.ofSeconds(10), Duration.ofSeconds(10))));
            }
            ClusterSnapshot s = new ClusterSnapshot(GROUPS, groups, instances, AT, health, peerHealth, AT, view,
                    view.map(v -> "10.0.1.1:8200"), view.map(v -> AT), viewRead ? EnumSet.noneOf(ReadFailure.class)
                    : EnumSet.of(ReadFailure.UNREACHABLE), 1, true);
            return ClusterStatus.of(s, SafetyRules.DEFAULTS, ClusterSystem.VAULT, AT);
        }
    }

    /** Three InService instances, one per group, each a voter answering for itself; the first leads. */
    private static Cluster healthyThree() {
        return new Cluster()
                .instance("i-0000000000000000c", "g-c", "InService", "10.0.1.3", NodeHealth.State.STANDBY, V)
                .instance("i-0000000000000000a", "g-a", "InService", "10.0.1.1", NodeHealth.State.ACTIVE, V)
                .instance("i-0000000000000000b", "g-b", "InService", "10.0.1.2", NodeHealth.State.STANDBY, V)
                .peer("i-0000000000000000a", "10.0.1.1", true, true, true)
                .peer("i-0000000000000000b", "10.0.1.2", false, true, true)
                .peer("i-0000000000000000c", "10.0.1.3", false, true, true)
                .autopilotFailureTolerance(1);
    }

    @Test
    void aHealthyThreeVoterClusterLosesOneVoterAtMostAndSaysSo() {
        ClusterStatus status = healthyThree().look();

        assertThat(status.healthy()).isTrue();
        assertThat(status.problems()).isEmpty();
        assertThat(status.system()).isEqualTo("vault");
        assertThat(status.observedAt()).isEqualTo("2026-12-07T15:00:00Z");
        assertThat(status.leader()).isEqualTo(new ClusterStatus.Leader("i-0000000000000000a", "i-0000000000000000a"));
        assertThat(status.voters()).isEqualTo(3);
        assertThat(status.healthyVoters()).isEqualTo(3);
        // Three voters need two for a quorum: one may be lost.
        assertThat(status.failureTolerance()).isEqualTo(1);
        assertThat(status.versions()).isEqualTo(Map.of(V, 3));
        assertThat(status.groups()).containsExactly(new ClusterStatus.Group("g-a", 1, 1, 2, "4"),
                new ClusterStatus.Group("g-b", 1, 1, 2, "4"), new ClusterStatus.Group("g-c", 1, 1, 2, "4"));
        assertThat(status.instances()).extracting(ClusterStatus.Instance::instanceId)
                .containsExactly("i-0000000000000000a", "i-0000000000000000b", "i-0000000000000000c");
        assertThat(status.instances().get(0)).isEqualTo(new ClusterStatus.Instance("i-0000000000000000a", "g-a",
                "InService", "4", "i-0000000000000000a", true, true, "ACTIVE", true, V, null, "node_id i-0000000000000000a"));
        assertThat(status.instances()).allMatch(i -> i.voter() && i.healthyVoter());
        assertThat(status.instances()).filteredOn(ClusterStatus.Instance::leader).hasSize(1);
        assertThat(status.unmatchedPeers()).isEmpty();
        assertThat(status.pendingActions()).isEmpty();
    }

    @Test
    void aSealedVoterMakesTheClusterUnhealthyAndLeavesNoVoterToLose() {
        // Autopilot has not noticed yet (healthy, tolerance 1): the node's own answer is what counts.
        Cluster c = healthyThree();
        c.health.put("i-0000000000000000c", new NodeHealth("i-0000000000000000c", "10.0.1.3:8200",
                NodeHealth.State.SEALED, Optional.of(V), "sealed"));

        ClusterStatus status = c.look();

        assertThat(status.healthy()).isFalse();
        assertThat(status.problems()).singleElement().asString().contains("i-0000000000000000c", "SEALED");
        assertThat(status.voters()).isEqualTo(3);
        assertThat(status.healthyVoters()).isEqualTo(2);
        // Two healthy voters are exactly a quorum of three: none may be lost.
        assertThat(status.failureTolerance()).isZero();
        ClusterStatus.Instance sealed = status.instances().get(2);
        assertThat(sealed.voter()).isTrue();
        assertThat(sealed.healthyVoter()).isFalse();
        assertThat(sealed.health()).isEqualTo("SEALED");
        assertThat(status.leader().instanceId()).isEqualTo("i-0000000000000000a");
    }

    @Test
    void aLeaderOnNoInstanceOfTheGroupsIsNamedWithoutAnInstanceAndIsAProblem() {
        // The leader's node id is no instance id and nothing of the groups runs at its address.
        Cluster c = new Cluster()
                .instance("i-0000000000000000b", "g-b", "InService", "10.0.1.2", NodeHealth.State.STANDBY, V)
                .instance("i-0000000000000000c", "g-c", "InService", "10.0.1.3", NodeHealth.State.STANDBY, V)
                .peer("vault-hand-made", "10.0.9.9", true, true, true)
                .peer("i-0000000000000000b", "10.0.1.2", false, true, true)
                .peer("i-0000000000000000c", "10.0.1.3", false, true, true)
                .autopilotFailureTolerance(1);
        c.peerHealth.put("vault-hand-made", new NodeHealth("vault-hand-made", "10.0.9.9:8200", NodeHealth.State.ACTIVE,
                Optional.of(V), "active"));

        ClusterStatus status = c.look();

        assertThat(status.leader()).isEqualTo(new ClusterStatus.Leader("vault-hand-made", null));
        assertThat(status.unmatchedPeers()).containsExactly(new ClusterStatus.Peer("vault-hand-made", "10.0.9.9:8201", true, true));
        assertThat(status.healthy()).isFalse();
        assertThat(status.problems()).singleElement().asString().contains("vault-hand-made", "stale");
        // It answers and autopilot is content: all three voters count.
        assertThat(status.healthyVoters()).isEqualTo(3);
        assertThat(status.failureTolerance()).isEqualTo(1);
        assertThat(status.instances()).noneMatch(ClusterStatus.Instance::leader);
    }

    @Test
    void aStalePeerIsListedUnmatchedCountsAsAnUnhealthyVoterAndIsAProblem() {
        // A fourth voter whose instance is gone: no instance, no answer.
        Cluster c = healthyThree().peer("i-0000000000000000d", "10.0.1.4", false, true, true);

        ClusterStatus status = c.look();

        assertThat(status.unmatchedPeers()).containsExactly(
                new ClusterStatus.Peer("i-0000000000000000d", "10.0.1.4:8201", true, false));
        assertThat(status.healthy()).isFalse();
        assertThat(status.problems()).hasSize(2).allMatch(p -> p.contains("i-0000000000000000d"));
        assertThat(status.voters()).isEqualTo(4);
        assertThat(status.healthyVoters()).isEqualTo(3);
        // Four voters need three: the three that answer are exactly a quorum.
        assertThat(status.failureTolerance()).isZero();
        assertThat(status.instances()).hasSize(3);
    }

    @Test
    void instancesInALifecycleHookArePendingActionsAndAreNoProblemUntilInService() {
        Cluster c = healthyThree()
                // launched, waiting for the launch hook, not a peer yet
                .instance("i-0000000000000000e", "g-a", "Pending:Wait", "10.0.1.5", NodeHealth.State.STANDBY, V)
                // kept after an abandoned terminate: not waiting in a hook
                .instance("i-0000000000000000f", "g-b", "Terminating:Retained", "10.0.1.6", null, null);
        // the g-c node waits in its terminate hook, still a healthy voter
        c.instances.replaceAll(i -> i.instanceId().equals("i-0000000000000000c")
                ? new ClusterInstance(i.instanceId(), i.groupName(), "Terminating:Wait", "running", i.privateIp(),
                i.availabilityZone(), "", Optional.empty(), Optional.of("3")) : i);

        ClusterStatus status = c.look();

        assertThat(status.pendingActions()).containsExactly(
                new ClusterStatus.PendingAction("i-0000000000000000e", "Pending:Wait"),
                new ClusterStatus.PendingAction("i-0000000000000000c", "Terminating:Wait"));
        assertThat(status.healthy()).isTrue();
        assertThat(status.instances()).extracting(ClusterStatus.Instance::instanceId).containsExactly(
                "i-0000000000000000a", "i-0000000000000000e", "i-0000000000000000b", "i-0000000000000000f",
                "i-0000000000000000c");
        assertThat(status.instances().get(4).launchTemplateVersion()).isEqualTo("3");
        assertThat(status.instances().get(1).nodeId()).isNull();
        assertThat(status.instances().get(3).health()).isNull();
        // The pending node answers too: four nodes report the version.
        assertThat(status.versions()).isEqualTo(Map.of(V, 4));
    }

    @Test
    void anInServiceInstanceOutsideTheConfigurationIsAProblem() {
        Cluster c = healthyThree()
                .instance("i-0000000000000000e", "g-a", "InService", "10.0.1.5", NodeHealth.State.STANDBY, V);

        ClusterStatus status = c.look();

        assertThat(status.healthy()).isFalse();
        assertThat(status.problems()).singleElement().asString().contains("i-0000000000000000e", "InService");
    }

    @Test
    void autopilotsToleranceAboveWhatTheAnswersAllowGivesWayToTheLowerOne() {
        // Five voters; autopilot still counts all five (tolerance 2), but one does not answer for itself.
        Cluster c = new Cluster();
        for (int n = 1; n <= 5; n++) {
            String id = "i-000000000000000" + n + "0";
            c.instance(id, GROUPS.get(n % 3), "InService", "10.0.1." + n, n == 5 ? NodeHealth.State.UNREACHABLE
                    : n == 1 ? NodeHealth.State.ACTIVE : NodeHealth.State.STANDBY, n == 5 ? null : V);
            c.peer(id, "10.0.1." + n, n == 1, true, true);
        }
        c.autopilotFailureTolerance(2);

        ClusterStatus status = c.look();

        assertThat(status.voters()).isEqualTo(5);
        assertThat(status.healthyVoters()).isEqualTo(4);
        // Five voters need three: four healthy can lose one.
        assertThat(status.failureTolerance()).isEqualTo(1);
        assertThat(status.problems()).singleElement().asString().contains("i-00000000000000050");
        assertThat(status.versions()).isEqualTo(Map.of(V, 4));
    }

    @Test
    void autopilotsToleranceBelowWhatTheAnswersAllowIsKept() {
        assertThat(healthyThree().autopilotFailureTolerance(0).look().failureTolerance()).isZero();
    }

    @Test
    void twoVersionsAreBothCounted() {
        Cluster c = healthyThree();
        c.health.put("i-0000000000000000b", new NodeHealth("i-0000000000000000b", "10.0.1.2:8200",
                NodeHealth.State.STANDBY, Optional.of("1.20.1"), "standby"));

        assertThat(c.look().versions()).isEqualTo(Map.of(V, 2, "1.20.1", 1));
    }

    @Test
    void withoutTheRaftConfigurationNothingIsToleratedAndNoLeaderIsNamed() {
        Cluster c = healthyThree();
        c.viewRead = false;

        ClusterStatus status = c.look();

        assertThat(status.healthy()).isFalse();
        assertThat(status.leader()).isNull();
        assertThat(status.failureTolerance()).isNull();
        assertThat(status.voters()).isZero();
        assertThat(status.problems()).singleElement().asString().contains("could not be read", "UNREACHABLE");
        assertThat(status.instances()).hasSize(3).noneMatch(ClusterStatus.Instance::voter);
    }
}
