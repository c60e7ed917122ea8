package dev.raftlifecycle.decisions;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HealthCheckSwitchTest {
    private static final Instant NOW = Instant.parse("2026-12-02T08:00:00Z");

    private static ClusterSnapshot snapshot(NodeHealth.State state, boolean recorded, String... types) {
        List<GroupState> groups = List.of(new GroupState("g-a", 1, Map.of(), types[0]),
                new GroupState("g-b", 1, Map.of(), types[1]), new GroupState("g-c", 1, Map.of(), types[2]));
        List<ClusterInstance> instances = List.of(instance("i-a", "g-a", "10.0.0.1"), instance("i-b", "g-b", "10.0.0.2"),
                instance("i-c", "g-c", "10.0.0.3"));
        Map<String, NodeHealth> health = Map.of(
                "i-a", new NodeHealth("i-a", "10.0.0.1", state, Optional.empty(), "probe"),
                "i-b", new NodeHealth("i-b", "10.0.0.2", state, Optional.empty(), "probe"),
                "i-c", new NodeHealth("i-c", "10.0.0.3", state, Optional.empty(), "probe"));
        return new ClusterSnapshot(List.of("g-a", "g-b", "g-c"), groups, instances, NOW, health, Map.of(), NOW,
                Optional.empty(), Optional.empty(), Optional.empty(), Set.of(), 1, recorded);
    }

    private static ClusterInstance instance(String id, String group, String ip) {
        return new ClusterInstance(id, group, "InService", "running", Optional.of(ip), "zone-" + group);
    }

    @Test
    void anUninitializedClusterKeepsEc2HealthChecks() {
        assertThat(HealthCheckSwitch.groupsToSwitch(snapshot(NodeHealth.State.UNINITIALIZED, false, "EC2", "EC2", "EC2"),
                true)).isEmpty();
    }

    @Test
    void nodesThatDoNotAnswerAreNoEvidenceOfAnInitializedCluster() {
        assertThat(HealthCheckSwitch.groupsToSwitch(snapshot(NodeHealth.State.UNREACHABLE, false, "EC2", "EC2", "EC2"),
                true)).isEmpty();
    }

    @Test
    void onceInitializedEveryGroupNotOnElbYetIsSwitched() {
        assertThat(HealthCheckSwitch.groupsToSwitch(snapshot(NodeHealth.State.STANDBY, false, "EC2", "ELB", "EC2"), true))
                .containsExactly("g-a", "g-c");
        // Sealed now, but recorded initialized before: initialized for good.
        assertThat(HealthCheckSwitch.groupsToSwitch(snapshot(NodeHealth.State.UNINITIALIZED, true, "EC2", "EC2", "EC2"),
                true)).containsExactly("g-a", "g-b", "g-c");
    }

    @Test
    void nothingIsSwitchedWhenTheDeploymentDoesNotAskForElbChecks() {
        assertThat(HealthCheckSwitch.groupsToSwitch(snapshot(NodeHealth.State.ACTIVE, true, "EC2", "EC2", "EC2"), false))
                .isEmpty();
    }
}
