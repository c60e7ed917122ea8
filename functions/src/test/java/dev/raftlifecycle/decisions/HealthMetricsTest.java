package dev.raftlifecycle.decisions;

import static dev.raftlifecycle.decisions.Fixtures.id;
import static dev.raftlifecycle.decisions.Fixtures.snap;
import static dev.raftlifecycle.decisions.Fixtures.threeVoters;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.contract.MetricName;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class HealthMetricsTest {
    private static Map<String, Double> metrics(ClusterSnapshot s) {
        return HealthMetrics.compute(s, StalePeers.classify(s), SafetyRules.DEFAULTS).stream()
                .collect(Collectors.toMap(v -> v.name().metricName(), MetricValue::value));
    }

    @Test
    void aHealthyClusterOfThree() {
        Map<String, Double> m = metrics(snap(threeVoters()).build());
        assertThat(m).containsEntry("LeaderPresent", 1.0).containsEntry("RaftPeers", 3.0).containsEntry("Voters", 3.0)
                .containsEntry("NonVoters", 0.0).containsEntry("HealthyVoters", 3.0)
                .containsEntry("SealedNodes", 0.0).containsEntry("StalePeers", 0.0).containsEntry("MissingPeers", 0.0)
                .containsEntry("VersionCount", 1.0).containsEntry("ExpectedServers", 3.0).containsEntry("MaxIndexLag", 0.0)
                .containsEntry("MaxLastContactMs", 1500.0);
        // Every publisher metric but those of the canary (CanaryResult), of the leader record (LeaderChanges) and of
        // the leader's own telemetry (RaftCommitTimeMs, read by the observer).
        java.util.Set<MetricName> elsewhere = java.util.EnumSet.of(MetricName.CANARY_SUCCESS, MetricName.CANARY_READ_MS,
                MetricName.CANARY_WRITE_MS, MetricName.LEADER_CHANGES, MetricName.RAFT_COMMIT_TIME_MS);
        assertThat(m.keySet()).containsExactlyInAnyOrderElementsOf(java.util.Arrays.stream(MetricName.values())
                .filter(n -> n.source() == MetricName.Source.PUBLISHER).filter(n -> !elsewhere.contains(n))
                .map(MetricName::metricName).toList());
    }

    @Test
    void versionsComeFromAutopilotWhenTheNodesOwnAnswerHasNone() {
        ClusterSnapshot s = snap(threeVoters()).build();
        java.util.Map<String, NodeHealth> bare = new java.util.HashMap<>();
        s.health().forEach((id, h) -> bare.put(id, new NodeHealth(id, h.address(), h.state(), java.util.Optional.empty(), "consul")));
        ClusterSnapshot consul = new ClusterSnapshot(s.expectedGroups(), s.groups(), s.instances(), s.groupsReadAt(), bare,
                s.peerHealth(), s.healthReadAt(), s.view(), s.via(), s.viewReadAt(), s.readFailures(), s.attempts(), false);
        assertThat(metrics(consul)).containsEntry("VersionCount", 1.0);
        ClusterSnapshot noView = new ClusterSnapshot(s.expectedGroups(), s.groups(), s.instances(), s.groupsReadAt(), bare,
                s.peerHealth(), s.healthReadAt(), java.util.Optional.empty(), s.via(), s.viewReadAt(), s.readFailures(),
                s.attempts(), false);
        assertThat(metrics(noView)).containsEntry("VersionCount", 0.0);
    }

    @Test
    void anUnreachableClusterStillPublishesLeaderPresentZeroAndWhatTheProbesSaw() {
        ClusterSnapshot s = snap(threeVoters()).crashedJustNow(id(1)).answers(id(2), NodeHealth.State.SEALED)
                .answers(id(3), NodeHealth.State.UNINITIALIZED).noView(ReadFailure.UNREACHABLE).build();
        Map<String, Double> m = metrics(s);
        assertThat(m).containsOnlyKeys("LeaderPresent", "SealedNodes", "UninitializedNodes", "UnreachableNodes",
                "VersionCount", "ExpectedServers");
        assertThat(m).containsEntry("LeaderPresent", 0.0).containsEntry("UnreachableNodes", 1.0)
                .containsEntry("SealedNodes", 1.0).containsEntry("UninitializedNodes", 1.0);
    }

    @Test
    void healthyVotersUseTheSameJudgementAsTheQuorumGuard() {
        // Autopilot still says healthy, but the node does not answer: it does not count.
        Map<String, Double> m = metrics(snap(threeVoters()).crashedJustNow(id(3)).build());
        assertThat(m).containsEntry("HealthyVoters", 2.0).containsEntry("AutopilotHealthy", 1.0)
                .containsEntry("UnreachableNodes", 1.0);
    }

    @Test
    void missingAndStalePeers() {
        String stray = "i-0000000000000000d";
        ClusterSnapshot s = snap(threeVoters()).dead(id(3)).ec2(id(3), "terminated")
                .instance(stray, "g-a", "InService", "10.0.1.13", NodeHealth.State.STANDBY).build();
        Map<String, Double> m = metrics(s);
        assertThat(m).containsEntry("MissingPeers", 1.0).containsEntry("StalePeers", 1.0)
                .containsEntry("HealthyVoters", 2.0).containsEntry("AutopilotHealthy", 0.0)
                .containsEntry("MaxLastContactMs", 30000.0);
    }

    @Test
    void retainedInstancesAreCountedAndTerminatedOnesAreNot() {
        ClusterSnapshot s = snap(threeVoters()).lifecycle(id(2), "Terminating:Retained").build();
        assertThat(HealthMetrics.counted(s)).hasSize(3);
        ClusterSnapshot gone = snap(threeVoters()).lifecycle(id(2), "Terminated").build();
        assertThat(HealthMetrics.counted(gone)).extracting(NodeHealth::instanceId).doesNotContain(id(2));
    }
}
