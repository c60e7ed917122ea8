package dev.raftlifecycle.decisions;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HealthCheckSwitchTest {
    private static final Instant NOW = Instant.parse("2026-12-02T08:00:00Z");
    private static final List<String> IDS = List.of("i-a", "i-b", "i-c");
    private static final Instant LONG_AGO = NOW.minusSeconds(600);

    /** One node: what sys/health says, and since when autopilot calls it healthy (empty: not a healthy server). */
    private record Node(NodeHealth.State state, Optional<Instant> stableSince) {
    }

    private static Node serving(NodeHealth.State state) {
        return new Node(state, Optional.of(LONG_AGO));
    }

    private static final List<Node> SERVING = List.of(serving(NodeHealth.State.ACTIVE),
            serving(NodeHealth.State.STANDBY), serving(NodeHealth.State.STANDBY));

    /** Three groups of one in-service instance each, with the given health-check types. */
    private static ClusterSnapshot snapshot(List<Node> nodes, boolean recorded, List<String> types,
                                            Map<String, String> tagsOfFirstGroup) {
        List<GroupState> groups = List.of(new GroupState("g-a", 1, tagsOfFirstGroup, types.get(0)),
                new GroupState("g-b", 1, Map.of(), types.get(1)), new GroupState("g-c", 1, Map.of(), types.get(2)));
        List<ClusterInstance> instances = List.of(instance("i-a", "g-a", "10.0.0.1"), instance("i-b", "g-b", "10.0.0.2"),
                instance("i-c", "g-c", "10.0.0.3"));
        Map<String, NodeHealth> health = new HashMap<>();
        Map<String, AutopilotServer> servers = new HashMap<>();
        List<RaftPeer> peers = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = IDS.get(i);
            Node n = nodes.get(i);
            health.put(id, new NodeHealth(id, "10.0.0." + (i + 1), n.state(), Optional.empty(), "probe"));
            if (n.stableSince().isPresent()) {
                servers.put(id, new AutopilotServer(id, "10.0.0." + (i + 1) + ":8201", "alive", Duration.ofMillis(50), 4,
                        100, true, n.stableSince(), i == 0 ? "leader" : "voter", "1.14.10"));
                peers.add(new RaftPeer(id, "10.0.0." + (i + 1) + ":8201", i == 0, true));
            }
        }
        boolean anyServer = !servers.isEmpty();
        Optional<ClusterView> view = anyServer ? Optional.of(new ClusterView(peers,
                new AutopilotState(true, 1, "i-a", List.copyOf(servers.keySet()), servers),
                new AutopilotSettings(Duration.ofSeconds(10), Duration.ofSeconds(10)))) : Optional.empty();
        return new ClusterSnapshot(List.of("g-a", "g-b", "g-c"), groups, instances, NOW, health, Map.of(), NOW,
                view, Optional.empty(), Optional.empty(), Set.of(), 1, recorded);
    }

    private static ClusterSnapshot snapshot(List<Node> nodes, boolean recorded, String... types) {
        return snapshot(nodes, recorded, List.of(types), Map.of());
    }

    private static ClusterInstance instance(String id, String group, String ip) {
        return new ClusterInstance(id, group, "InService", "running", Optional.of(ip), "zone-" + group);
    }

    private static List<Node> all(NodeHealth.State state) {
        return List.of(new Node(state, Optional.empty()), new Node(state, Optional.empty()), new Node(state, Optional.empty()));
    }

    @Test
    void anUninitializedClusterKeepsEc2HealthChecks() {
        assertThat(HealthCheckSwitch.plan(snapshot(all(NodeHealth.State.UNINITIALIZED), false, "EC2", "EC2", "EC2"),
                Optional.empty(), NOW).switches()).isEmpty();
    }

    @Test
    void justAfterInitTheNodesStillJoiningKeepEveryGroupOnEc2() {
        // vault operator init ran on i-a; i-b is still in retry_join (501), i-c unsealed but not yet a server.
        ClusterSnapshot s = snapshot(List.of(new Node(NodeHealth.State.ACTIVE, Optional.of(NOW.minusSeconds(5))),
                new Node(NodeHealth.State.UNINITIALIZED, Optional.empty()),
                new Node(NodeHealth.State.STANDBY, Optional.empty())), false, "EC2", "EC2", "EC2");
        HealthCheckSwitch.Plan plan = HealthCheckSwitch.plan(s, Optional.empty(), NOW);
        assertThat(plan.switches()).isEmpty();
        assertThat(plan.why()).contains("i-a (healthy for less than", "i-b", "i-c");
    }

    @Test
    void everyNodeHealthyLongerThanTheLoadBalancerNeedsSwitchesTheGroupsNotOnElbYet() {
        HealthCheckSwitch.Plan plan = HealthCheckSwitch.plan(snapshot(SERVING, false, "EC2", "ELB", "EC2"),
                Optional.of(true), NOW);
        assertThat(plan.switches()).extracting(HealthCheckSwitch.Switch::toString).containsExactly("g-a:ELB", "g-c:ELB");
    }

    @Test
    void aNodeThatBecameHealthyJustNowHoldsTheSwitchBackUntilTheLoadBalancerCanHaveSeenIt() {
        // Two passing checks ten seconds apart make a target healthy: a node back 20 s ago may not be yet.
        List<Node> nodes = List.of(serving(NodeHealth.State.ACTIVE), serving(NodeHealth.State.STANDBY),
                new Node(NodeHealth.State.STANDBY, Optional.of(NOW.minusSeconds(20))));
        assertThat(HealthCheckSwitch.plan(snapshot(nodes, false, "EC2", "EC2", "EC2"), Optional.empty(), NOW).switches())
                .isEmpty();
        assertThat(HealthCheckSwitch.plan(snapshot(nodes, false, "EC2", "EC2", "EC2"), Optional.empty(),
                NOW.minusSeconds(20).plus(HealthCheckSwitch.SETTLE)).switches()).hasSize(3);
    }

    @Test
    void aNodeAnsweringHealthyButNotARaftServerNeverCounts() {
        // Initialized on its own, outside the cluster: sys/health says active, autopilot does not know it.
        List<Node> nodes = List.of(serving(NodeHealth.State.ACTIVE), serving(NodeHealth.State.STANDBY),
                new Node(NodeHealth.State.ACTIVE, Optional.empty()));
        assertThat(HealthCheckSwitch.plan(snapshot(nodes, false, "EC2", "EC2", "EC2"), Optional.empty(), NOW).switches())
                .isEmpty();
    }

    @Test
    void aCanaryThatDidNotGetThroughTheLoadBalancerHoldsTheSwitchBack() {
        HealthCheckSwitch.Plan plan = HealthCheckSwitch.plan(snapshot(SERVING, false, "EC2", "EC2", "EC2"),
                Optional.of(false), NOW);
        assertThat(plan.switches()).isEmpty();
        assertThat(plan.why()).contains("canary");
    }

    @Test
    void aSealedNodeRecordedInitializedStillDoesNotPass() {
        List<Node> nodes = List.of(serving(NodeHealth.State.ACTIVE), serving(NodeHealth.State.STANDBY),
                serving(NodeHealth.State.SEALED));
        assertThat(HealthCheckSwitch.plan(snapshot(nodes, true, "EC2", "EC2", "EC2"), Optional.empty(), NOW).switches())
                .isEmpty();
    }

    @Test
    void everyNodeAnswering501AfterAnInitializedPastGoesBackToEc2() {
        // The lock table says "initialized", but every node was rebuilt empty: ELB checks would replace them in a loop.
        HealthCheckSwitch.Plan plan = HealthCheckSwitch.plan(snapshot(all(NodeHealth.State.UNINITIALIZED), true,
                "ELB", "ELB,EBS", "EC2"), Optional.empty(), NOW);
        assertThat(plan.switches()).extracting(HealthCheckSwitch.Switch::toString).containsExactly("g-a:EC2", "g-b:EBS");
    }

    @Test
    void otherHealthCheckTypesAreKept() {
        ClusterSnapshot s = snapshot(SERVING, false, List.of("ELB", "EBS", "EC2,VPC_LATTICE"), Map.of());
        HealthCheckSwitch.Plan plan = HealthCheckSwitch.plan(s, Optional.empty(), NOW);
        assertThat(plan.status()).isEqualTo(HealthCheckSwitch.Status.READY);
        assertThat(plan.switches()).extracting(HealthCheckSwitch.Switch::toString)
                .containsExactly("g-b:EBS,ELB", "g-c:VPC_LATTICE,ELB");
    }

    @Test
    void groupsAlreadyOnWhatTheStateCallsForAreInPlaceAndAnUnsettledClusterIsNotReady() {
        assertThat(HealthCheckSwitch.plan(snapshot(SERVING, false, List.of("ELB", "ELB", "ELB,EBS"), Map.of()),
                Optional.empty(), NOW).status()).isEqualTo(HealthCheckSwitch.Status.IN_PLACE);
        // Nothing initialized, on EC2 checks: what a first deploy calls for.
        assertThat(HealthCheckSwitch.plan(snapshot(all(NodeHealth.State.UNINITIALIZED), false, "EC2", "EC2", "EC2"),
                Optional.empty(), NOW).status()).isEqualTo(HealthCheckSwitch.Status.IN_PLACE);
        ClusterSnapshot joining = snapshot(List.of(new Node(NodeHealth.State.ACTIVE, Optional.of(NOW.minusSeconds(5))),
                new Node(NodeHealth.State.UNINITIALIZED, Optional.empty()), new Node(NodeHealth.State.STANDBY,
                        Optional.empty())), true, "EC2", "EC2", "EC2");
        assertThat(HealthCheckSwitch.plan(joining, Optional.empty(), NOW).status())
                .isEqualTo(HealthCheckSwitch.Status.NOT_READY);
    }
}
