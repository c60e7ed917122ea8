package dev.raftlifecycle.decisions;

import static dev.raftlifecycle.decisions.Fixtures.threeVoters;
import static dev.raftlifecycle.decisions.Fixtures.view;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.contract.MetricName;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class HealthMetricsTest {
    private static NodeHealth node(String id, NodeHealth.State state, String version) {
        return new NodeHealth(id, "10.0.1.1", state, Optional.ofNullable(version), "");
    }

    private static ClusterInstance instance(String id) {
        return new ClusterInstance(id, "g", "InService", "running", Optional.of("10.0.1.1"), "us-east-1a");
    }

    private static Map<String, Double> byName(List<MetricValue> values) {
        return values.stream().collect(Collectors.toMap(v -> v.name().metricName(), MetricValue::value));
    }

    @Test
    void aHealthyClusterOfThree() {
        List<RaftPeer> peers = threeVoters();
        List<NodeHealth> nodes = List.of(node("i-00000000000000001", NodeHealth.State.ACTIVE, "1.14.10"),
                node("i-00000000000000002", NodeHealth.State.STANDBY, "1.14.10"),
                node("i-00000000000000003", NodeHealth.State.STANDBY, "1.14.10"));
        List<ClusterInstance> instances = List.of(instance("i-00000000000000001"), instance("i-00000000000000002"),
                instance("i-00000000000000003"));
        Map<String, Double> m = byName(HealthMetrics.compute(new HealthMetrics.Snapshot(nodes, instances,
                Optional.of(view(peers)), StalePeers.classify(peers, Map.of("i-00000000000000001", "running",
                "i-00000000000000002", "running", "i-00000000000000003", "running")), 3)));
        assertThat(m).containsEntry("LeaderPresent", 1.0).containsEntry("RaftPeers", 3.0).containsEntry("Voters", 3.0)
                .containsEntry("NonVoters", 0.0).containsEntry("HealthyVoters", 3.0).containsEntry("FailureTolerance", 1.0)
                .containsEntry("SealedNodes", 0.0).containsEntry("StalePeers", 0.0).containsEntry("MissingPeers", 0.0)
                .containsEntry("VersionCount", 1.0).containsEntry("ExpectedServers", 3.0).containsEntry("MaxIndexLag", 0.0)
                .containsEntry("MaxLastContactMs", 50.0);
        assertThat(m.keySet()).containsExactlyInAnyOrderElementsOf(java.util.Arrays.stream(MetricName.values())
                .filter(n -> n.source() == MetricName.Source.PUBLISHER)
                .map(MetricName::metricName).toList());
    }

    @Test
    void anUnreachableClusterStillPublishesLeaderPresentZeroAndWhatTheProbesSaw() {
        List<NodeHealth> nodes = List.of(NodeHealth.unreachable("i-00000000000000001", "", "refused"),
                node("i-00000000000000002", NodeHealth.State.SEALED, "1.14.10"),
                node("i-00000000000000003", NodeHealth.State.UNINITIALIZED, "1.15.0"));
        Map<String, Double> m = byName(HealthMetrics.compute(new HealthMetrics.Snapshot(nodes, List.of(), Optional.empty(),
                List.of(), 3)));
        assertThat(m).containsOnlyKeys("LeaderPresent", "SealedNodes", "UninitializedNodes", "UnreachableNodes",
                "VersionCount", "ExpectedServers");
        assertThat(m).containsEntry("LeaderPresent", 0.0).containsEntry("UnreachableNodes", 1.0)
                .containsEntry("SealedNodes", 1.0).containsEntry("UninitializedNodes", 1.0).containsEntry("VersionCount", 2.0);
    }

    @Test
    void missingPeersAreInitializedRunningInstancesOutsideTheConfiguration() {
        List<RaftPeer> peers = threeVoters();
        String stray = "i-0000000000000000d";
        List<NodeHealth> nodes = List.of(node("i-00000000000000001", NodeHealth.State.ACTIVE, "1.14.10"),
                node(stray, NodeHealth.State.ACTIVE, "1.14.10"));
        List<ClusterInstance> instances = List.of(instance("i-00000000000000001"), instance(stray));
        Map<String, Double> m = byName(HealthMetrics.compute(new HealthMetrics.Snapshot(nodes, instances,
                Optional.of(view(peers, "i-00000000000000003")), StalePeers.classify(peers,
                Map.of("i-00000000000000001", "running", "i-00000000000000002", "running")), 3)));
        assertThat(m).containsEntry("MissingPeers", 1.0).containsEntry("StalePeers", 1.0)
                .containsEntry("HealthyVoters", 2.0).containsEntry("AutopilotHealthy", 0.0)
                .containsEntry("MaxLastContactMs", 30000.0);
    }
}
