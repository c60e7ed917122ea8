package dev.raftlifecycle.decisions;

import static dev.raftlifecycle.decisions.Fixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LaunchReadinessTest {
    private static final String NEW = "i-0000000000000000a";
    private static final LaunchReadiness.Expectations DEFAULT = new LaunchReadiness.Expectations(false, Optional.empty());

    private static NodeHealth health(NodeHealth.State state) {
        return new NodeHealth(NEW, "10.0.1.10", state, Optional.of("1.14.10"), "");
    }

    private static ClusterView viewWith(String status, boolean healthy, Duration stableFor, boolean leader) {
        List<RaftPeer> peers = List.of(Fixtures.voter("i-00000000000000001", 1, leader),
                new RaftPeer(NEW, "10.0.1.10:8201", false, !"non-voter".equals(status)));
        Map<String, AutopilotServer> servers = new HashMap<>();
        servers.put("i-00000000000000001", Fixtures.server("i-00000000000000001", true, "leader", NOW.minusSeconds(900)));
        servers.put(NEW, Fixtures.server(NEW, healthy, status, stableFor == null ? null : NOW.minus(stableFor)));
        return new ClusterView(peers, new AutopilotState(true, 0, leader ? "i-00000000000000001" : "",
                List.of("i-00000000000000001"), servers), new AutopilotSettings(Duration.ofSeconds(10), Duration.ofSeconds(10)));
    }

    private static LaunchReadiness.Verdict evaluate(NodeHealth node, ClusterView view, LaunchReadiness.Expectations e) {
        return LaunchReadiness.evaluate(NEW, new LaunchReadiness.Observation(node, false, true, Reachability.OBSERVED,
                Optional.ofNullable(view)), e, NOW);
    }

    @Test
    void readyWhenUnsealedInRaftHealthyVoterAndStableLongEnough() {
        assertThat(evaluate(health(NodeHealth.State.STANDBY), viewWith("voter", true, Duration.ofSeconds(11), true), DEFAULT))
                .isInstanceOf(LaunchReadiness.Ready.class);
        assertThat(evaluate(health(NodeHealth.State.PERFORMANCE_STANDBY), viewWith("voter", true, Duration.ofSeconds(10), true), DEFAULT))
                .isInstanceOf(LaunchReadiness.Ready.class);
    }

    @Test
    void notStableUntilTheStabilizationTimeHasPassedOrWhileStillANonVoter() {
        assertThat(evaluate(health(NodeHealth.State.STANDBY), viewWith("voter", true, Duration.ofSeconds(9), true), DEFAULT).reason())
                .isEqualTo("not-stable");
        assertThat(evaluate(health(NodeHealth.State.STANDBY), viewWith("non-voter", true, Duration.ofSeconds(60), true), DEFAULT).reason())
                .isEqualTo("not-stable");
        assertThat(evaluate(health(NodeHealth.State.STANDBY), viewWith("voter", true, null, true), DEFAULT).reason())
                .isEqualTo("not-stable");
    }

    @Test
    void aNonVoterIsAcceptedWhenTheClusterIsConfiguredForNonVoters() {
        LaunchReadiness.Expectations nonVoters = new LaunchReadiness.Expectations(true, Optional.empty());
        assertThat(evaluate(health(NodeHealth.State.STANDBY), viewWith("non-voter", true, Duration.ofSeconds(60), true), nonVoters))
                .isInstanceOf(LaunchReadiness.Ready.class);
    }

    @Test
    void eachFailingConditionHasItsReason() {
        ClusterView ready = viewWith("voter", true, Duration.ofSeconds(60), true);
        assertThat(evaluate(health(NodeHealth.State.UNREACHABLE), ready, DEFAULT).reason()).isEqualTo("unreachable");
        assertThat(evaluate(health(NodeHealth.State.SEALED), ready, DEFAULT).reason()).isEqualTo("sealed");
        assertThat(evaluate(health(NodeHealth.State.UNINITIALIZED), ready, DEFAULT).reason()).isEqualTo("not-in-raft");
        assertThat(evaluate(health(NodeHealth.State.REMOVED), ready, DEFAULT).reason()).isEqualTo("not-in-raft");
        assertThat(evaluate(health(NodeHealth.State.DR_SECONDARY), ready, DEFAULT).reason()).isEqualTo("unhealthy");
        assertThat(evaluate(health(NodeHealth.State.STANDBY), viewWith("voter", false, Duration.ofSeconds(60), true), DEFAULT).reason())
                .isEqualTo("unhealthy");
        assertThat(evaluate(health(NodeHealth.State.STANDBY), viewWith("voter", true, Duration.ofSeconds(60), false), DEFAULT).reason())
                .isEqualTo("no-leader");
        ClusterView without = new ClusterView(List.of(Fixtures.voter("i-00000000000000001", 1, true)),
                ready.autopilot(), ready.settings());
        assertThat(evaluate(health(NodeHealth.State.STANDBY), without, DEFAULT).reason()).isEqualTo("not-in-raft");
        LaunchReadiness.Expectations version = new LaunchReadiness.Expectations(false, Optional.of("1.15.0"));
        assertThat(evaluate(health(NodeHealth.State.STANDBY), ready, version).reason()).isEqualTo("version-mismatch");
    }

    @Test
    void uninitializedNodeIsNotInitializedWhenNoOtherNodeSaidItWas() {
        LaunchReadiness.Verdict v = LaunchReadiness.evaluate(NEW, new LaunchReadiness.Observation(
                health(NodeHealth.State.UNINITIALIZED), false, false, Reachability.UNREACHABLE, Optional.empty()), DEFAULT, NOW);
        assertThat(v.reason()).isEqualTo("not-initialized");
    }

    @Test
    void theFirstDeployContinues() {
        LaunchReadiness.Verdict v = LaunchReadiness.evaluate(NEW, new LaunchReadiness.Observation(
                health(NodeHealth.State.UNINITIALIZED), true, false, Reachability.UNINITIALIZED, Optional.empty()), DEFAULT, NOW);
        assertThat(v).isInstanceOf(LaunchReadiness.ClusterUninitialized.class);
        assertThat(v.reason()).isEqualTo("cluster-uninitialized");
    }

    @Test
    void clusterReadFailuresAreNamed() {
        for (Reachability r : List.of(Reachability.AUTH_FAILED, Reachability.TLS_FAILURE, Reachability.NO_LEADER, Reachability.UNREACHABLE)) {
            LaunchReadiness.Verdict v = LaunchReadiness.evaluate(NEW, new LaunchReadiness.Observation(
                    health(NodeHealth.State.STANDBY), false, true, r, Optional.empty()), DEFAULT, NOW);
            assertThat(v).isInstanceOf(LaunchReadiness.Waiting.class);
            assertThat(v.reason()).isEqualTo(switch (r) {
                case AUTH_FAILED -> "auth-failed";
                case TLS_FAILURE -> "tls-failure";
                case NO_LEADER -> "no-leader";
                default -> "cluster-unreachable";
            });
        }
    }

    @Test
    void versionsMatchWithOrWithoutPrefixAndEditionSuffix() {
        assertThat(LaunchReadiness.versionMatches("1.14.10", "1.14.10")).isTrue();
        assertThat(LaunchReadiness.versionMatches("v1.14.10", "1.14.10+ent")).isTrue();
        assertThat(LaunchReadiness.versionMatches("1.14.1", "1.14.10")).isFalse();
    }
}
