package dev.raftlifecycle.decisions;

import static dev.raftlifecycle.decisions.Fixtures.id;
import static dev.raftlifecycle.decisions.Fixtures.snap;
import static dev.raftlifecycle.decisions.Fixtures.threeVoters;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.contract.MetricName;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
        // Also not here: UnsealKeyUsable (KMS's answer, UnsealKeyReading) and CertificateDaysLeft (only with verified
        // certificate checks, which this snapshot has none of: see the certificate tests below), SnapshotAgeSeconds
        // (S3's listing, SnapshotAge), OutdatedInstances (only for groups that name their launch template version by
        // number, which these fixtures' groups do not: see the outdated-instances test below).
        java.util.Set<MetricName> elsewhere = java.util.EnumSet.of(MetricName.CANARY_SUCCESS, MetricName.CANARY_READ_MS,
                MetricName.CANARY_WRITE_MS, MetricName.LEADER_CHANGES, MetricName.RAFT_COMMIT_TIME_MS,
                MetricName.UNSEAL_KEY_USABLE, MetricName.CERTIFICATE_DAYS_LEFT, MetricName.SNAPSHOT_AGE_SECONDS,
                MetricName.OUTDATED_INSTANCES);
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
                "VersionCount", "ExpectedServers", "TlsFailures", "ClusterInitialized", "GroupsWithoutRetainPolicy");
        assertThat(m).containsEntry("ClusterInitialized", 1.0); // a sealed node is an initialized one
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

    private static ClusterSnapshot withCertificates(ClusterSnapshot s, CertificateCheck... checks) {
        Map<String, CertificateCheck> byId = new java.util.LinkedHashMap<>();
        Map<String, NodeHealth> health = new java.util.LinkedHashMap<>(s.health());
        for (CertificateCheck c : checks) {
            byId.put(c.nodeId(), c);
            health.computeIfPresent(c.nodeId(), (id, h) -> c.applyTo(h));
        }
        return new ClusterSnapshot(s.expectedGroups(), s.groups(), s.instances(), s.groupsReadAt(), health,
                s.peerHealth(), s.healthReadAt(), s.view(), s.via(), s.viewReadAt(), s.readFailures(), s.attempts(),
                s.initializedRecorded(), byId);
    }

    @Test
    void aCertificateANewClientRefusesIsATlsFailureAndAnUnreachableNode() {
        ClusterSnapshot s = snap(threeVoters()).build();
        java.time.Instant now = s.healthReadAt();
        ClusterSnapshot checked = withCertificates(s,
                CertificateCheck.verified(id(1), "10.0.1.1", now.plus(java.time.Duration.ofDays(30))),
                CertificateCheck.refused(id(2), "10.0.1.2", "PKIX path building failed"),
                CertificateCheck.noAnswer(id(3), "10.0.1.3", "connection refused"));
        Map<String, Double> m = metrics(checked);
        // Node 2 still answered the pooled probe, but nobody connecting now can verify it; node 3 answered it too, but a
        // new connection got nothing: neither is usable, neither is a healthy voter. Only node 2 is a certificate finding.
        assertThat(m).containsEntry("TlsFailures", 1.0).containsEntry("UnreachableNodes", 2.0)
                .containsEntry("HealthyVoters", 1.0).containsEntry("CertificateDaysLeft", 30.0);
        assertThat(checked.health().get(id(2)).state()).isEqualTo(NodeHealth.State.TLS_FAILURE);
        // One node probed twice (as an instance and as a peer at its host) is one failure.
        CertificateCheck again = CertificateCheck.refused("peer-at-host", "10.0.1.2", "PKIX path building failed");
        Map<String, CertificateCheck> twice = new java.util.LinkedHashMap<>(checked.certificates());
        twice.put(again.nodeId(), again);
        ClusterSnapshot doubled = new ClusterSnapshot(s.expectedGroups(), s.groups(), s.instances(), s.groupsReadAt(),
                checked.health(), checked.peerHealth(), s.healthReadAt(), s.view(), s.via(), s.viewReadAt(),
                s.readFailures(), s.attempts(), false, twice);
        assertThat(metrics(doubled)).containsEntry("TlsFailures", 1.0);
    }

    @Test
    void daysLeftAreTheFewestWholeDaysOfAnyVerifiedCertificate() {
        ClusterSnapshot s = snap(threeVoters()).build();
        java.time.Instant now = s.healthReadAt();
        // 13 days 23 hours is 13 whole days: the 14-day alarm must see it; one expiring in 5 hours has 0 days left.
        Map<String, Double> m = metrics(withCertificates(s,
                CertificateCheck.verified(id(1), "10.0.1.1", now.plus(java.time.Duration.ofHours(14 * 24 - 1))),
                CertificateCheck.verified(id(2), "10.0.1.2", now.plus(java.time.Duration.ofDays(90)))));
        assertThat(m).containsEntry("CertificateDaysLeft", 13.0).containsEntry("TlsFailures", 0.0);
        Map<String, Double> lastDay = metrics(withCertificates(s,
                CertificateCheck.verified(id(1), "10.0.1.1", now.plus(java.time.Duration.ofHours(5)))));
        assertThat(lastDay).containsEntry("CertificateDaysLeft", 0.0);
    }

    @Test
    void anUninitializedClusterSaysSoAndAnUnclearOneSaysNothing() {
        ClusterSnapshot s = snap(threeVoters()).answers(id(1), NodeHealth.State.UNINITIALIZED)
                .answers(id(2), NodeHealth.State.UNINITIALIZED).answers(id(3), NodeHealth.State.UNINITIALIZED)
                .noView(ReadFailure.UNREACHABLE).build();
        assertThat(metrics(s)).containsEntry("ClusterInitialized", 0.0);
        // The lock table remembers an initialized cluster, but every node answers 501 now (rebuilt from empty disks):
        // the metric says what the nodes say.
        assertThat(metrics(s.withInitializedRecorded())).containsEntry("ClusterInitialized", 0.0);
        ClusterSnapshot unclear = snap(threeVoters()).answers(id(1), NodeHealth.State.UNINITIALIZED)
                .answers(id(2), NodeHealth.State.UNINITIALIZED).crashedJustNow(id(3))
                .noView(ReadFailure.UNREACHABLE).build();
        assertThat(metrics(unclear)).doesNotContainKey("ClusterInitialized");
    }

    @Test
    void theUnsealKeyIsUsableOnlyWhenEnabled() {
        assertThat(new UnsealKeyReading(java.util.Optional.of("Enabled"), "").metric()).get()
                .extracting(MetricValue::value).isEqualTo(1.0);
        for (String other : java.util.List.of("Disabled", "PendingDeletion", "PendingImport", "Unavailable",
                UnsealKeyReading.NOT_FOUND, UnsealKeyReading.ACCESS_DENIED)) {
            assertThat(new UnsealKeyReading(java.util.Optional.of(other), "").metric()).get()
                    .extracting(MetricValue::value).as(other).isEqualTo(0.0);
        }
        assertThat(new UnsealKeyReading(java.util.Optional.empty(), "throttled").metric()).isEmpty();
    }

    @Test
    void outdatedInstancesCountsInServiceInstancesOffTheirNumberedGroupsVersion() {
        GroupState a = new GroupState("a", 2, java.util.Map.of(), "EC2", 2, 4, Optional.of("7"));
        GroupState b = new GroupState("b", 1, java.util.Map.of(), "EC2", 1, 2, Optional.of("$Latest"));
        java.util.function.BiFunction<String, String[], ClusterInstance> instance = (id, groupStateVersion) ->
                new ClusterInstance(id, groupStateVersion[0], groupStateVersion[1], "running", Optional.of("10.0.0.1"),
                        "az", "", Optional.empty(), Optional.ofNullable(groupStateVersion[2]));
        List<ClusterInstance> instances = List.of(
                instance.apply("i-new", new String[] {"a", "InService", "7"}),
                instance.apply("i-old", new String[] {"a", "InService", "6"}),
                instance.apply("i-none", new String[] {"a", "InService", null}),       // no version: not the group's
                instance.apply("i-leaving", new String[] {"a", "Terminating:Wait", "6"}), // not InService: not counted
                instance.apply("i-b", new String[] {"b", "InService", "1"}));          // $Latest: cannot compare
        ClusterSnapshot s = new ClusterSnapshot(List.of("a", "b"), List.of(a, b), instances, Instant.EPOCH, Map.of(),
                Map.of(), Instant.EPOCH, Optional.empty(), Optional.empty(), Optional.empty(), Set.of(), 1, false);
        assertThat(HealthMetrics.outdatedInstances(s)).contains(2L);
        ClusterSnapshot latestOnly = new ClusterSnapshot(List.of("b"), List.of(b), List.of(instances.get(4)),
                Instant.EPOCH, Map.of(), Map.of(), Instant.EPOCH, Optional.empty(), Optional.empty(), Optional.empty(),
                Set.of(), 1, false);
        assertThat(HealthMetrics.outdatedInstances(latestOnly)).as("no numbered group: nothing to publish").isEmpty();
    }

    @Test
    void anInstanceOfAnotherTemplateWithTheSameVersionNumberIsOutdated() {
        // A stack that replaced its launch template starts again at version 1: the number alone says nothing.
        GroupState g = new GroupState("a", 2, Map.of(), "EC2", 2, 4, Optional.of("1"), Optional.of("lt-new"));
        ClusterInstance onNew = new ClusterInstance("i-1", "a", "InService", "running", Optional.of("10.0.0.1"), "az", "",
                Optional.empty(), Optional.of("1"), Optional.of("lt-new"));
        ClusterInstance onOld = new ClusterInstance("i-2", "a", "InService", "running", Optional.of("10.0.0.2"), "az", "",
                Optional.empty(), Optional.of("1"), Optional.of("lt-old"));
        ClusterSnapshot s = new ClusterSnapshot(List.of("a"), List.of(g), List.of(onNew, onOld), Instant.EPOCH, Map.of(),
                Map.of(), Instant.EPOCH, Optional.empty(), Optional.empty(), Optional.empty(), Set.of(), 1, false);
        assertThat(HealthMetrics.outdatedInstances(s)).contains(1L);
    }
}
