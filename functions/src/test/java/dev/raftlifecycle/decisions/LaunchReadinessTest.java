package dev.raftlifecycle.decisions;

import static dev.raftlifecycle.decisions.Fixtures.NOW;
import static dev.raftlifecycle.decisions.Fixtures.id;
import static dev.raftlifecycle.decisions.Fixtures.snap;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LaunchReadinessTest {
    private static final String NEW = "i-0000000000000000a";
    private static final LaunchReadiness.Expectations DEFAULT = new LaunchReadiness.Expectations(false, Optional.empty());

    /**
     * Two established voters and the new node: in the configuration with the given autopilot status, health and
     * stable time (null: not in the configuration at all).
     */
    private static ClusterSnapshot cluster(NodeHealth.State answer, String status, boolean healthy, Duration stableFor,
                                           boolean leader) {
        List<RaftPeer> peers = new ArrayList<>(List.of(Fixtures.voter(id(1), 1, leader), Fixtures.voter(id(2), 2, false)));
        if (status != null) {
            peers.add(new RaftPeer(NEW, "10.0.1.10:8201", false, !"non-voter".equals(status)));
        }
        ClusterSnapshot base = snap(peers).build();
        Map<String, AutopilotServer> servers = new HashMap<>(base.view().get().autopilot().servers());
        if (status != null) {
            servers.put(NEW, Fixtures.server(NEW, healthy, status, stableFor == null ? null : NOW.minus(stableFor)));
        }
        ClusterView view = new ClusterView(peers, new AutopilotState(true, 0, leader ? id(1) : "",
                List.of(id(1), id(2)), servers), new AutopilotSettings(Duration.ofSeconds(10), Duration.ofSeconds(10)));
        List<ClusterInstance> instances = new ArrayList<>(base.instances().stream()
                .filter(i -> !i.instanceId().equals(NEW)).toList());
        instances.add(new ClusterInstance(NEW, "g-a", "Pending:Wait", "running", Optional.of("10.0.1.10"), "zone-g-a"));
        Map<String, NodeHealth> health = new HashMap<>(base.health());
        health.remove(NEW);
        health.put(NEW, answer == NodeHealth.State.UNREACHABLE ? NodeHealth.unreachable(NEW, "10.0.1.10", "refused")
                : new NodeHealth(NEW, "10.0.1.10", answer, Optional.of("1.14.10"), "HTTP"));
        return new ClusterSnapshot(base.expectedGroups(), base.groups(), instances, NOW, health, Map.of(), NOW,
                Optional.of(view), base.via(), base.viewReadAt(), base.readFailures(), 1, false);
    }

    private static LaunchReadiness.Verdict evaluate(ClusterSnapshot s, LaunchReadiness.Expectations e) {
        return LaunchReadiness.evaluate(s, NEW, e, NOW);
    }

    @Test
    void readyWhenUnsealedInRaftHealthyVoterAndStableLongEnough() {
        assertThat(evaluate(cluster(NodeHealth.State.STANDBY, "voter", true, Duration.ofSeconds(11), true), DEFAULT))
                .isInstanceOf(LaunchReadiness.Ready.class);
        assertThat(evaluate(cluster(NodeHealth.State.PERFORMANCE_STANDBY, "voter", true, Duration.ofSeconds(10), true), DEFAULT))
                .isInstanceOf(LaunchReadiness.Ready.class);
    }

    @Test
    void notStableUntilTheStabilizationTimeHasPassedOrWhileStillANonVoter() {
        assertThat(evaluate(cluster(NodeHealth.State.STANDBY, "voter", true, Duration.ofSeconds(9), true), DEFAULT).reason())
                .isEqualTo(Reason.NOT_STABLE);
        assertThat(evaluate(cluster(NodeHealth.State.STANDBY, "non-voter", true, Duration.ofSeconds(60), true), DEFAULT).reason())
                .isEqualTo(Reason.NOT_STABLE);
        assertThat(evaluate(cluster(NodeHealth.State.STANDBY, "voter", true, null, true), DEFAULT).reason())
                .isEqualTo(Reason.NOT_STABLE);
    }

    @Test
    void aNonVoterIsAcceptedWhenTheClusterIsConfiguredForNonVoters() {
        LaunchReadiness.Expectations nonVoters = new LaunchReadiness.Expectations(true, Optional.empty());
        assertThat(evaluate(cluster(NodeHealth.State.STANDBY, "non-voter", true, Duration.ofSeconds(60), true), nonVoters))
                .isInstanceOf(LaunchReadiness.Ready.class);
    }

    @Test
    void eachFailingConditionHasItsReason() {
        Duration stable = Duration.ofSeconds(60);
        assertThat(evaluate(cluster(NodeHealth.State.UNREACHABLE, "voter", true, stable, true), DEFAULT).reason()).isEqualTo(Reason.UNREACHABLE);
        assertThat(evaluate(cluster(NodeHealth.State.SEALED, "voter", true, stable, true), DEFAULT).reason()).isEqualTo(Reason.SEALED);
        assertThat(evaluate(cluster(NodeHealth.State.UNINITIALIZED, "voter", true, stable, true), DEFAULT).reason()).isEqualTo(Reason.NOT_IN_RAFT);
        assertThat(evaluate(cluster(NodeHealth.State.REMOVED, "voter", true, stable, true), DEFAULT).reason()).isEqualTo(Reason.NOT_IN_RAFT);
        assertThat(evaluate(cluster(NodeHealth.State.DR_SECONDARY, "voter", true, stable, true), DEFAULT).reason()).isEqualTo(Reason.UNHEALTHY);
        assertThat(evaluate(cluster(NodeHealth.State.STANDBY, "voter", false, stable, true), DEFAULT).reason()).isEqualTo(Reason.UNHEALTHY);
        assertThat(evaluate(cluster(NodeHealth.State.STANDBY, "voter", true, stable, false), DEFAULT).reason()).isEqualTo(Reason.NO_LEADER);
        assertThat(evaluate(cluster(NodeHealth.State.STANDBY, null, true, stable, true), DEFAULT).reason()).isEqualTo(Reason.NOT_IN_RAFT);
        LaunchReadiness.Expectations version = new LaunchReadiness.Expectations(false, Optional.of("1.15.0"));
        assertThat(evaluate(cluster(NodeHealth.State.STANDBY, "voter", true, stable, true), version).reason())
                .isEqualTo(Reason.VERSION_MISMATCH);
    }

    /** The same cluster as Consul reports it: the node's own answer has no version; autopilot's record is given. */
    private static ClusterSnapshot consulShaped(AutopilotServer server) {
        ClusterSnapshot s = cluster(NodeHealth.State.STANDBY, "voter", true, Duration.ofSeconds(60), true);
        Map<String, NodeHealth> health = new HashMap<>(s.health());
        health.put(NEW, new NodeHealth(NEW, "10.0.1.10", NodeHealth.State.STANDBY, Optional.empty(), "leader 10.0.1.1:8300"));
        ClusterView v = s.view().get();
        Map<String, AutopilotServer> servers = new HashMap<>(v.autopilot().servers());
        servers.put(NEW, server);
        ClusterView view = new ClusterView(v.peers(), new AutopilotState(true, 0, v.autopilot().leader(),
                v.autopilot().voters(), servers), v.settings());
        return new ClusterSnapshot(s.expectedGroups(), s.groups(), s.instances(), NOW, health, Map.of(), NOW,
                Optional.of(view), s.via(), s.viewReadAt(), s.readFailures(), 1, false);
    }

    @Test
    void aMemberThatIsNotAliveWaitsAndWithoutItsOwnVersionAutopilotsIsChecked() {
        AutopilotServer alive = Fixtures.server(NEW, true, "voter", NOW.minusSeconds(60));
        assertThat(evaluate(consulShaped(alive), DEFAULT)).isInstanceOf(LaunchReadiness.Ready.class);
        AutopilotServer left = new AutopilotServer(NEW, "", "left", Duration.ofMillis(50), 3, 100, true,
                Optional.of(NOW.minusSeconds(60)), "voter", "1.16.3");
        assertThat(evaluate(consulShaped(left), DEFAULT).reason()).isEqualTo(Reason.UNHEALTHY);
        AutopilotServer older = new AutopilotServer(NEW, "", "alive", Duration.ofMillis(50), 3, 100, true,
                Optional.of(NOW.minusSeconds(60)), "voter", "1.16.2");
        assertThat(evaluate(consulShaped(older), new LaunchReadiness.Expectations(false, Optional.of("1.16.3"))).reason())
                .isEqualTo(Reason.VERSION_MISMATCH);
        AutopilotServer same = new AutopilotServer(NEW, "", "alive", Duration.ofMillis(50), 3, 100, true,
                Optional.of(NOW.minusSeconds(60)), "voter", "1.16.3");
        assertThat(evaluate(consulShaped(same), new LaunchReadiness.Expectations(false, Optional.of("v1.16.3"))))
                .isInstanceOf(LaunchReadiness.Ready.class);
    }

    /** A new node answering 501 beside others that answer too. */
    private static ClusterSnapshot uninitializedBeside(List<ClusterInstance> others, Map<String, NodeHealth> answers, boolean recorded) {
        List<ClusterInstance> instances = new ArrayList<>(others);
        instances.add(new ClusterInstance(NEW, "g-a", "Pending:Wait", "running", Optional.of("10.0.1.10"), "zone-g-a"));
        Map<String, NodeHealth> health = new HashMap<>(answers);
        health.put(NEW, new NodeHealth(NEW, "10.0.1.10", NodeHealth.State.UNINITIALIZED, Optional.empty(), "HTTP 501"));
        return new ClusterSnapshot(Fixtures.GROUPS, List.of(new GroupState("g-a", 1, Map.of()),
                new GroupState("g-b", 1, Map.of()), new GroupState("g-c", 1, Map.of())), instances, NOW, health, Map.of(),
                NOW, Optional.empty(), Optional.empty(), Optional.empty(), java.util.Set.of(), 1, recorded);
    }

    private static ClusterInstance other(String id, String lifecycle) {
        return new ClusterInstance(id, "g-b", lifecycle, "running", Optional.of("10.0.1.2"), "zone-g-b");
    }

    private static NodeHealth answer(String id, NodeHealth.State state) {
        return new NodeHealth(id, "10.0.1.2", state, Optional.empty(), "HTTP");
    }

    @Test
    void theFirstDeployContinuesWhenEveryOtherInstanceAnswersUninitialized() {
        LaunchReadiness.Verdict v = evaluate(uninitializedBeside(List.of(other(id(2), "Pending:Wait")),
                Map.of(id(2), answer(id(2), NodeHealth.State.UNINITIALIZED)), false), DEFAULT);
        assertThat(v).isInstanceOf(LaunchReadiness.ClusterUninitialized.class);
        assertThat(v.reason()).isEqualTo(Reason.CLUSTER_UNINITIALIZED);
    }

    @Test
    void anEmptySetOfOtherInstancesIsNeverEvidenceOfAFirstDeploy() {
        LaunchReadiness.Verdict v = evaluate(uninitializedBeside(List.of(), Map.of(), false), DEFAULT);
        assertThat(v).isInstanceOf(LaunchReadiness.Waiting.class);
        assertThat(v.reason()).isEqualTo(Reason.NOT_INITIALIZED);
    }

    @Test
    void retainedInstancesAreEvidenceToo() {
        // The only other node is retained after an abandoned termination, and it is an initialized member.
        LaunchReadiness.Verdict v = evaluate(uninitializedBeside(List.of(other(id(2), "Terminating:Retained")),
                Map.of(id(2), answer(id(2), NodeHealth.State.STANDBY)), false), DEFAULT);
        assertThat(v.reason()).isEqualTo(Reason.NOT_IN_RAFT);
        // It does not answer: maybe an initialized member, so not a first deploy either.
        LaunchReadiness.Verdict silent = evaluate(uninitializedBeside(List.of(other(id(2), "Terminating:Retained")),
                Map.of(id(2), NodeHealth.unreachable(id(2), "10.0.1.2", "refused")), false), DEFAULT);
        assertThat(silent.reason()).isEqualTo(Reason.NOT_INITIALIZED);
    }

    @Test
    void onceSeenInitializedTheClusterNeverCountsAsAFirstDeployAgain() {
        LaunchReadiness.Verdict v = evaluate(uninitializedBeside(List.of(other(id(2), "InService")),
                Map.of(id(2), answer(id(2), NodeHealth.State.UNINITIALIZED)), true), DEFAULT);
        assertThat(v.reason()).isEqualTo(Reason.NOT_IN_RAFT);
    }

    @Test
    void clusterReadFailuresAreNamed() {
        Map<ReadFailure, Reason> expected = Map.of(ReadFailure.DENIED, Reason.AUTH_FAILED, ReadFailure.TLS, Reason.TLS_FAILURE,
                ReadFailure.NO_LEADER, Reason.NO_LEADER, ReadFailure.UNREACHABLE, Reason.CLUSTER_UNREACHABLE);
        expected.forEach((failure, reason) -> {
            ClusterSnapshot s = cluster(NodeHealth.State.STANDBY, "voter", true, Duration.ofSeconds(60), true);
            ClusterSnapshot failed = new ClusterSnapshot(s.expectedGroups(), s.groups(), s.instances(), NOW, s.health(),
                    Map.of(), NOW, Optional.empty(), Optional.empty(), Optional.empty(), java.util.Set.of(failure), 3, false);
            LaunchReadiness.Verdict v = evaluate(failed, DEFAULT);
            assertThat(v).isInstanceOf(LaunchReadiness.Waiting.class);
            assertThat(v.reason()).as(failure.name()).isEqualTo(reason);
        });
    }

    /**
     * A Consul first deploy before the ACL setup: Consul says the handlers' auth method does not exist, so nothing
     * authenticated can be read. The new node is let through only if, token-free, it follows a leader that is another
     * of this cluster's instances and its own Raft configuration lists it; a plain refusal (DENIED) never lets
     * anything through, and a launch that times out waiting is reported as the refused login it is.
     */
    @Test
    void withTheAccessNotSetUpOnlyANodeListedInTheRaftOfAnotherInstancesLeaderIsLetThrough() {
        ClusterSnapshot s = cluster(NodeHealth.State.STANDBY, "voter", true, Duration.ofSeconds(60), true);
        List<String> withIt = List.of("10.0.1.1:8300", "10.0.1.2:8300", "10.0.1.10:8300");
        List<String> withoutIt = List.of("10.0.1.1:8300", "10.0.1.2:8300");
        record Case(String leader, List<String> peers, ReadFailure failure) {
        }
        java.util.function.Function<Case, LaunchReadiness.Verdict> judge = c -> {
            Map<String, NodeHealth> health = new HashMap<>(s.health());
            boolean self = "10.0.1.10:8300".equals(c.leader());
            health.put(NEW, c.leader() == null ? answer(NEW, NodeHealth.State.STANDBY_NO_ACTIVE)
                    : new NodeHealth(NEW, "10.0.1.10", self ? NodeHealth.State.ACTIVE : NodeHealth.State.STANDBY,
                    Optional.empty(), "leader " + c.leader(), Optional.of(c.leader()), c.peers()));
            return evaluate(new ClusterSnapshot(s.expectedGroups(), s.groups(), s.instances(), NOW, health, Map.of(), NOW,
                    Optional.empty(), Optional.empty(), Optional.empty(), java.util.Set.of(c.failure()), 1, false), DEFAULT);
        };

        assertThat(judge.apply(new Case("10.0.1.1:8300", withIt, ReadFailure.ACCESS_NOT_SET_UP)))
                .isInstanceOf(LaunchReadiness.AccessNotSetUp.class)
                .extracting(LaunchReadiness.Verdict::reason).isEqualTo(Reason.ACCESS_NOT_SET_UP);
        // Not listed in its own configuration (a client agent answers status/leader too; a server not yet added).
        assertWaiting(judge.apply(new Case("10.0.1.1:8300", withoutIt, ReadFailure.ACCESS_NOT_SET_UP)), "does not list it");
        // A leader that is no instance of this cluster, or the node itself (a server that elected itself alone).
        assertWaiting(judge.apply(new Case("10.9.9.9:8300", withIt, ReadFailure.ACCESS_NOT_SET_UP)), "10.9.9.9");
        assertWaiting(judge.apply(new Case("10.0.1.10:8300", withIt, ReadFailure.ACCESS_NOT_SET_UP)), "follows no other instance");
        assertThat(judge.apply(new Case(null, withIt, ReadFailure.ACCESS_NOT_SET_UP))).isInstanceOf(LaunchReadiness.Waiting.class);
        // Any other refusal: nothing is let through.
        assertWaiting(judge.apply(new Case("10.0.1.1:8300", withIt, ReadFailure.DENIED)), "");
    }

    private static void assertWaiting(LaunchReadiness.Verdict verdict, String detail) {
        assertThat(verdict).isInstanceOf(LaunchReadiness.Waiting.class);
        assertThat(verdict.reason()).isEqualTo(Reason.AUTH_FAILED);
        assertThat(((LaunchReadiness.Waiting) verdict).detail()).contains(detail);
    }

    @Test
    void versionsMatchWithOrWithoutPrefixAndEditionSuffix() {
        assertThat(LaunchReadiness.versionMatches("1.14.10", "1.14.10")).isTrue();
        assertThat(LaunchReadiness.versionMatches("v1.14.10", "1.14.10+ent")).isTrue();
        assertThat(LaunchReadiness.versionMatches("1.14.1", "1.14.10")).isFalse();
    }

    @Test
    void aNodeWithoutAnAnswerIsUnreachable() {
        ClusterSnapshot s = cluster(NodeHealth.State.STANDBY, "voter", true, Duration.ofSeconds(60), true);
        Map<String, NodeHealth> health = new HashMap<>(s.health());
        health.remove(NEW);
        ClusterSnapshot noProbe = new ClusterSnapshot(s.expectedGroups(), s.groups(), s.instances(), NOW, health,
                Map.of(), NOW, s.view(), s.via(), s.viewReadAt(), s.readFailures(), 1, false);
        assertThat(evaluate(noProbe, DEFAULT).reason()).isEqualTo(Reason.UNREACHABLE);
    }
}
