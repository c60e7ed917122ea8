package dev.raftlifecycle.decisions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.contract.ClusterTags;
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

    /** Three groups of one in-service instance each, answering as given, with the given health-check types. */
    private static ClusterSnapshot snapshot(List<NodeHealth.State> states, boolean recorded, List<String> types,
                                            Map<String, String> tagsOfFirstGroup) {
        List<GroupState> groups = List.of(new GroupState("g-a", 1, tagsOfFirstGroup, types.get(0)),
                new GroupState("g-b", 1, Map.of(), types.get(1)), new GroupState("g-c", 1, Map.of(), types.get(2)));
        List<ClusterInstance> instances = List.of(instance("i-a", "g-a", "10.0.0.1"), instance("i-b", "g-b", "10.0.0.2"),
                instance("i-c", "g-c", "10.0.0.3"));
        Map<String, NodeHealth> health = new HashMap<>();
        for (int i = 0; i < 3; i++) {
            health.put(IDS.get(i), new NodeHealth(IDS.get(i), "10.0.0." + (i + 1), states.get(i), Optional.empty(), "probe"));
        }
        return new ClusterSnapshot(List.of("g-a", "g-b", "g-c"), groups, instances, NOW, health, Map.of(), NOW,
                Optional.empty(), Optional.empty(), Optional.empty(), Set.of(), 1, recorded);
    }

    private static ClusterSnapshot snapshot(List<NodeHealth.State> states, boolean recorded, String... types) {
        return snapshot(states, recorded, List.of(types), Map.of());
    }

    private static ClusterInstance instance(String id, String group, String ip) {
        return new ClusterInstance(id, group, "InService", "running", Optional.of(ip), "zone-" + group);
    }

    private static List<NodeHealth.State> all(NodeHealth.State state) {
        return List.of(state, state, state);
    }

    private static final List<NodeHealth.State> SERVING = List.of(NodeHealth.State.ACTIVE, NodeHealth.State.STANDBY,
            NodeHealth.State.STANDBY);

    @Test
    void anUninitializedClusterKeepsEc2HealthChecks() {
        HealthCheckSwitch.Plan plan = HealthCheckSwitch.plan(snapshot(all(NodeHealth.State.UNINITIALIZED), false,
                "EC2", "EC2", "EC2"), Optional.of(NOW.minusSeconds(3600)), NOW);
        assertThat(plan.switches()).isEmpty();
        assertThat(plan.readySince()).isEmpty();
    }

    @Test
    void justAfterInitTheNodesStillJoiningKeepEveryGroupOnEc2() {
        // vault operator init ran on i-a; i-b and i-c are still in retry_join (501) or just unsealed-but-not-joined.
        ClusterSnapshot s = snapshot(List.of(NodeHealth.State.ACTIVE, NodeHealth.State.UNINITIALIZED,
                NodeHealth.State.SEALED), false, "EC2", "EC2", "EC2");
        HealthCheckSwitch.Plan plan = HealthCheckSwitch.plan(s, Optional.empty(), NOW);
        assertThat(plan.switches()).isEmpty();
        assertThat(plan.readySince()).isEmpty();
        assertThat(plan.why()).contains("i-b", "i-c").doesNotContain("i-a");
    }

    @Test
    void everyNodePassingStartsTheWaitAndOnlyAfterTheLoadBalancerCanHaveSeenItAreTheGroupsSwitched() {
        ClusterSnapshot s = snapshot(SERVING, false, "EC2", "ELB", "EC2");
        HealthCheckSwitch.Plan first = HealthCheckSwitch.plan(s, Optional.empty(), NOW);
        assertThat(first.switches()).isEmpty();
        assertThat(first.readySince()).contains(NOW);

        // Two passing checks ten seconds apart make a target healthy: not yet 20 s later.
        Instant early = NOW.plusSeconds(20);
        assertThat(HealthCheckSwitch.plan(s, first.readySince(), early).switches()).isEmpty();

        Instant later = NOW.plus(HealthCheckSwitch.SETTLE);
        HealthCheckSwitch.Plan then = HealthCheckSwitch.plan(s, first.readySince(), later);
        assertThat(then.switches()).extracting(HealthCheckSwitch.Switch::toString).containsExactly("g-a:ELB", "g-c:ELB");
        assertThat(then.readySince()).contains(NOW);
    }

    @Test
    void oneNodeFailingInBetweenStartsTheWaitAgain() {
        HealthCheckSwitch.Plan failing = HealthCheckSwitch.plan(snapshot(List.of(NodeHealth.State.ACTIVE,
                NodeHealth.State.STANDBY, NodeHealth.State.UNREACHABLE), false, "EC2", "EC2", "EC2"),
                Optional.of(NOW.minusSeconds(600)), NOW);
        assertThat(failing.switches()).isEmpty();
        assertThat(failing.readySince()).isEmpty();
        assertThat(HealthCheckSwitch.plan(snapshot(SERVING, false, "EC2", "EC2", "EC2"), failing.readySince(),
                NOW.plusSeconds(5)).switches()).isEmpty();
    }

    @Test
    void aSealedNodeRecordedInitializedStillDoesNotPass() {
        HealthCheckSwitch.Plan plan = HealthCheckSwitch.plan(snapshot(List.of(NodeHealth.State.ACTIVE,
                NodeHealth.State.STANDBY, NodeHealth.State.SEALED), true, "EC2", "EC2", "EC2"),
                Optional.of(NOW.minusSeconds(600)), NOW);
        assertThat(plan.switches()).isEmpty();
    }

    @Test
    void everyNodeAnswering501AfterAnInitializedPastGoesBackToEc2() {
        // The lock table says "initialized", but every node was rebuilt empty: ELB checks would replace them in a loop.
        HealthCheckSwitch.Plan plan = HealthCheckSwitch.plan(snapshot(all(NodeHealth.State.UNINITIALIZED), true,
                "ELB", "ELB,EBS", "EC2"), Optional.of(NOW.minusSeconds(600)), NOW);
        assertThat(plan.switches()).extracting(HealthCheckSwitch.Switch::toString).containsExactly("g-a:EC2", "g-b:EBS");
        assertThat(plan.readySince()).isEmpty();
    }

    @Test
    void otherHealthCheckTypesAreKeptAndAGroupTaggedOffIsLeftAlone() {
        ClusterSnapshot s = snapshot(SERVING, false, List.of("EC2", "EBS", "EC2,VPC_LATTICE"),
                Map.of(ClusterTags.ELB_HEALTH_CHECKS, ClusterTags.ELB_HEALTH_CHECKS_OFF));
        HealthCheckSwitch.Plan plan = HealthCheckSwitch.plan(s, Optional.of(NOW.minus(Duration.ofMinutes(5))), NOW);
        assertThat(plan.switches()).extracting(HealthCheckSwitch.Switch::toString)
                .containsExactly("g-b:EBS,ELB", "g-c:VPC_LATTICE,ELB");
    }

    @Test
    void aRecordedTimeInTheFutureIsNoHeadStart() {
        HealthCheckSwitch.Plan plan = HealthCheckSwitch.plan(snapshot(SERVING, false, "EC2", "EC2", "EC2"),
                Optional.of(NOW.plusSeconds(3600)), NOW);
        assertThat(plan.switches()).isEmpty();
        assertThat(plan.readySince()).contains(NOW);
    }
}
