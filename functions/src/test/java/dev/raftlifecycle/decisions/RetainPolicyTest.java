package dev.raftlifecycle.decisions;

import static dev.raftlifecycle.decisions.Fixtures.GROUPS;
import static dev.raftlifecycle.decisions.Fixtures.NOW;
import static dev.raftlifecycle.decisions.Fixtures.id;
import static dev.raftlifecycle.decisions.Fixtures.snap;
import static dev.raftlifecycle.decisions.Fixtures.threeVoters;
import static dev.raftlifecycle.decisions.Fixtures.voters;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.contract.ClusterSystem;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetainPolicyTest {
    private static final SafetyRules RULES = SafetyRules.DEFAULTS;

    @Test
    void everyGroupMustSayRetainAnythingElseNothingOrAbsenceIsNamedInConfigurationOrder() {
        assertThat(RetainPolicy.judge(snap(threeVoters()).build()).holds()).isTrue();
        assertThat(RetainPolicy.judge(snap(threeVoters()).build()).message()).isEmpty();

        ClusterSnapshot s = snap(threeVoters()).retention("g-c", Optional.of("terminate")).undescribed("g-b")
                .retention("g-a", Optional.empty()).build();
        RetainPolicy policy = RetainPolicy.judge(s);
        assertThat(policy.holds()).isFalse();
        assertThat(policy.names()).containsExactly("g-a", "g-b", "g-c");
        assertThat(policy.without()).containsExactly("g-a (no instance lifecycle policy)",
                "g-b (not in Auto Scaling's answer)", "g-c (TerminateHookAbandon=terminate)");
        assertThat(policy.message()).contains("g-a (no instance lifecycle policy)")
                .contains("aws autoscaling update-auto-scaling-group --auto-scaling-group-name g-a"
                        + " --instance-lifecycle-policy 'RetentionTriggers={TerminateHookAbandon=retain}'")
                .contains("--auto-scaling-group-name g-b ").contains("--auto-scaling-group-name g-c ");
        // Case matters: Auto Scaling's value is "retain"; anything else is not known to retain.
        assertThat(RetainPolicy.judge(snap(threeVoters()).retention("g-b", Optional.of("Retain")).build()).names())
                .containsExactly("g-b");
    }

    @Test
    void theGateTurnsEveryRemovalAndStepDownIntoARefusalAndLeavesDecisionsThatChangeNothing() {
        ClusterSnapshot held = snap(threeVoters()).build();
        ClusterSnapshot missing = snap(threeVoters()).retention("g-b", Optional.empty()).build();
        assertThat(TerminationDecision.decide(held, id(2), RULES)).isInstanceOf(TerminationDecision.Remove.class);

        TerminationDecision follower = TerminationDecision.decide(missing, id(2), RULES);
        assertThat(follower).isInstanceOfSatisfying(TerminationDecision.Refuse.class, r -> {
            assertThat(r.reason()).isEqualTo(Reason.RETAIN_POLICY_MISSING);
            assertThat(r.peer().orElseThrow().nodeId()).isEqualTo(id(2));
            assertThat(r.safety()).isPresent();
        });
        // The leader: no step-down either (the refusal comes before any mutation).
        assertThat(TerminationDecision.decide(missing, id(1), RULES)).isInstanceOfSatisfying(
                TerminationDecision.Refuse.class, r -> assertThat(r.reason()).isEqualTo(Reason.RETAIN_POLICY_MISSING));
        // Nothing of the instance in the configuration: it goes, nothing changes in Raft either way.
        ClusterSnapshot stranger = snap(threeVoters()).retention("g-b", Optional.empty())
                .instance("i-stranger", "g-a", "Terminating:Wait", "10.9.9.9", NodeHealth.State.STANDBY).build();
        assertThat(TerminationDecision.decide(stranger, "i-stranger", RULES)).isInstanceOfSatisfying(
                TerminationDecision.Release.class, r -> assertThat(r.reason()).isEqualTo(Reason.NOT_A_MEMBER));
        // A refusal for its own reason keeps it.
        ClusterSnapshot oneDown = snap(threeVoters()).dead(id(3)).retention("g-b", Optional.empty()).build();
        assertThat(TerminationDecision.decide(oneDown, id(2), RULES)).isInstanceOfSatisfying(
                TerminationDecision.Refuse.class, r -> assertThat(r.reason()).isEqualTo(Reason.QUORUM_WOULD_BREAK));
        // Waiting for a replacement ends in a removal: gated too.
        ClusterSnapshot atFloor = snap(threeVoters()).retention("g-a", Optional.of("terminate")).build();
        SafetyRules floorOfThree = new SafetyRules(SafetyRules.DEFAULT_MAX_VOTER_LAST_CONTACT, java.util.OptionalInt.of(3), false);
        assertThat(TerminationDecision.decide(snap(threeVoters()).build(), id(2), floorOfThree))
                .isInstanceOf(TerminationDecision.AwaitReplacement.class);
        assertThat(TerminationDecision.decide(atFloor, id(2), floorOfThree)).isInstanceOfSatisfying(
                TerminationDecision.Refuse.class, r -> assertThat(r.reason()).isEqualTo(Reason.RETAIN_POLICY_MISSING));
        // Doomed (a Spot interruption, EC2's state change): gated the same.
        assertThat(TerminationDecision.decide(missing, id(2), RULES, true)).isInstanceOfSatisfying(
                TerminationDecision.Refuse.class, r -> assertThat(r.reason()).isEqualTo(Reason.RETAIN_POLICY_MISSING));
    }

    @Test
    void theReconcilersPlannedRemovalsAreKeptWhileAGroupDoesNotRetain() {
        Fixtures.Snap five = snap(voters(5)).dead(id(5)).ec2(id(5), "terminated");
        ClusterSnapshot held = five.build();
        StalePeers.Plan plan = StalePeers.plan(StalePeers.classify(held), Map.of(), NOW, Duration.ZERO, true, held, RULES);
        assertThat(plan.remove()).extracting(r -> r.peer().nodeId()).containsExactly(id(5));
        assertThat(RetainPolicy.gate(plan, held)).isSameAs(plan);

        ClusterSnapshot missing = five.undescribed("g-c").build();
        StalePeers.Plan gated = RetainPolicy.gate(
                StalePeers.plan(StalePeers.classify(missing), Map.of(), NOW, Duration.ZERO, true, missing, RULES), missing);
        assertThat(gated.remove()).isEmpty();
        assertThat(gated.kept()).extracting(k -> k.peer().nodeId() + ":" + k.reason().label())
                .contains(id(5) + ":retain-policy-missing");
        assertThat(gated.markFirstSeen()).isEqualTo(plan.markFirstSeen());
    }

    @Test
    void thePublisherCountsTheGroupsAndTheStatusNamesThem() {
        ClusterSnapshot missing = snap(threeVoters()).retention("g-a", Optional.empty())
                .retention("g-c", Optional.of("terminate")).build();
        assertThat(HealthMetrics.compute(missing, StalePeers.classify(missing), RULES)).filteredOn(
                m -> m.name() == dev.raftlifecycle.contract.MetricName.GROUPS_WITHOUT_RETAIN_POLICY)
                .extracting(MetricValue::value).containsExactly(2.0);
        ClusterSnapshot held = snap(threeVoters()).build();
        assertThat(HealthMetrics.compute(held, StalePeers.classify(held), RULES)).filteredOn(
                m -> m.name() == dev.raftlifecycle.contract.MetricName.GROUPS_WITHOUT_RETAIN_POLICY)
                .extracting(MetricValue::value).containsExactly(0.0);

        ClusterStatus status = ClusterStatus.of(missing, RULES, ClusterSystem.VAULT, NOW);
        assertThat(status.healthy()).isFalse();
        assertThat(status.problems()).singleElement().asString().contains("g-a (no instance lifecycle policy)")
                .contains("g-c (TerminateHookAbandon=terminate)").contains("TerminateHookAbandon=retain");
        assertThat(ClusterStatus.of(held, RULES, ClusterSystem.VAULT, NOW).healthy()).isTrue();
        assertThat(GROUPS).hasSize(3);
    }

    @Test
    void aDecommissionRefusesNothingSoTheGateDoesNotApplyToIt() {
        // The gate exists because a refusal (ABANDON) keeps nothing without the policy. A decommission never refuses:
        // it removes the peer when a leader can carry it out and lets the instance go whatever happened (README's
        // table: "remove if a leader exists, then CONTINUE regardless"). Without the policy the instance goes either
        // way; gating only left its peer behind as a dead voter and turned the CONTINUE into an alarmed ABANDON.
        SafetyRules declared = new SafetyRules(SafetyRules.DEFAULT_MAX_VOTER_LAST_CONTACT, java.util.OptionalInt.empty(),
                true);
        ClusterSnapshot missing = snap(threeVoters()).retention("g-b", Optional.empty()).build();
        assertThat(TerminationDecision.decide(missing, id(2), declared)).isInstanceOfSatisfying(
                TerminationDecision.Remove.class, r -> {
                    assertThat(r.decommissioning()).isTrue();
                    assertThat(r.peer().nodeId()).isEqualTo(id(2));
                });
        assertThat(TerminationDecision.decide(missing, id(1), declared)).isInstanceOfSatisfying(
                TerminationDecision.Remove.class, r -> assertThat(r.stepDownFirst()).isTrue());
        // Not decommissioning: gated as before.
        assertThat(TerminationDecision.decide(missing, id(2), RULES)).isInstanceOfSatisfying(
                TerminationDecision.Refuse.class, r -> assertThat(r.reason()).isEqualTo(Reason.RETAIN_POLICY_MISSING));
    }
}
