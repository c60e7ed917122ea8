package dev.raftlifecycle.decisions;

import static dev.raftlifecycle.decisions.Fixtures.id;
import static dev.raftlifecycle.decisions.Fixtures.snap;
import static dev.raftlifecycle.decisions.Fixtures.threeVoters;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.contract.MetricName;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What shadow mode reports for each of the active mode's decisions: the expectations written out by hand. */
class ShadowVerdictTest {
    private static final SafetyRules RULES = SafetyRules.DEFAULTS;

    private static ShadowVerdict terminating(ClusterSnapshot s, String instance) {
        return ShadowVerdict.termination(TerminationDecision.decide(s, instance, RULES), true);
    }

    @Test
    void aFollowersRemovalIsAWouldRemoveWithoutStepDown() {
        ShadowVerdict v = terminating(snap(threeVoters()).build(), id(2));
        assertThat(v.action()).isEqualTo("CONTINUE");
        assertThat(v.reason()).isEqualTo("voter-removed");
        assertThat(v.peer()).contains(id(2));
        assertThat(v.mutations()).containsExactly("remove-peer " + id(2));
        assertThat(v.metrics()).containsExactly(MetricName.WOULD_REMOVE);
        assertThat(v.fields()).containsEntry("action", "CONTINUE").containsEntry("reason", "voter-removed")
                .containsEntry("peer", id(2));
    }

    @Test
    void theLeadersIsAStepDownThenARemoval() {
        ShadowVerdict v = terminating(snap(threeVoters()).build(), id(1));
        assertThat(v.reason()).isEqualTo("leader-removed");
        assertThat(v.mutations()).containsExactly("step-down of " + id(1), "remove-peer " + id(1));
        assertThat(v.metrics()).containsExactlyInAnyOrder(MetricName.WOULD_REMOVE, MetricName.WOULD_STEP_DOWN);
    }

    @Test
    void aRefusalIsAWouldAbandonForALifecycleActionAndAKeepForAnEvent() {
        ClusterSnapshot oneDown = snap(threeVoters()).dead(id(3)).build();
        ShadowVerdict v = terminating(oneDown, id(2));
        assertThat(v.action()).isEqualTo("ABANDON");
        assertThat(v.reason()).isEqualTo("quorum-would-break");
        assertThat(v.mutations()).isEmpty();
        assertThat(v.metrics()).containsExactly(MetricName.WOULD_ABANDON);
        ShadowVerdict event = ShadowVerdict.termination(TerminationDecision.decide(oneDown, id(2), RULES, true), false);
        assertThat(event.action()).isEqualTo("KEPT");
        assertThat(event.metrics()).isEmpty();
    }

    @Test
    void theRetainGateIsPartOfWhatWouldHappen() {
        ShadowVerdict v = terminating(snap(threeVoters()).retention("g-b", Optional.empty()).build(), id(2));
        assertThat(v.action()).isEqualTo("ABANDON");
        assertThat(v.reason()).isEqualTo("retain-policy-missing");
        assertThat(v.mutations()).isEmpty();
        assertThat(v.metrics()).containsExactly(MetricName.WOULD_ABANDON);
    }

    @Test
    void aReleaseChangesNothingAndCountsNothing() {
        ClusterSnapshot s = snap(threeVoters()).instance("i-new", "g-a", "Terminating:Wait", "10.9.9.9",
                NodeHealth.State.STANDBY).build();
        ShadowVerdict v = terminating(s, "i-new");
        assertThat(v.action()).isEqualTo("CONTINUE");
        assertThat(v.reason()).isEqualTo("not-a-member");
        assertThat(v.metrics()).isEmpty();
        assertThat(v.mutations()).isEmpty();
    }

    @Test
    void launchesAndStalePeers() {
        assertThat(ShadowVerdict.launch(true, Reason.READY).metrics()).isEmpty();
        ShadowVerdict refused = ShadowVerdict.launch(false, Reason.UNREACHABLE);
        assertThat(refused.action()).isEqualTo("ABANDON");
        assertThat(refused.metrics()).containsExactly(MetricName.WOULD_ABANDON);
        ShadowVerdict stale = ShadowVerdict.stalePeer(Fixtures.voter(id(4), 4, false));
        assertThat(stale.reason()).isEqualTo("stale-peer");
        assertThat(stale.mutations()).containsExactly("remove-peer " + id(4));
        assertThat(stale.metrics()).containsExactly(MetricName.WOULD_REMOVE);
    }
}
