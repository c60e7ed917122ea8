package dev.raftlifecycle.decisions;

import static dev.raftlifecycle.decisions.Fixtures.id;
import static dev.raftlifecycle.decisions.Fixtures.snap;
import static dev.raftlifecycle.decisions.Fixtures.threeVoters;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HealthyVotersTest {
    private static Map<String, HealthyVoters.Doubt> judge(Fixtures.Snap s) {
        return HealthyVoters.judge(s.build(), SafetyRules.DEFAULTS);
    }

    @Test
    void allThreeSignalsMustAgree() {
        assertThat(judge(snap(threeVoters())).values()).containsOnly(HealthyVoters.Doubt.NONE);
        assertThat(judge(snap(threeVoters()).crashedJustNow(id(2)))).containsEntry(id(2), HealthyVoters.Doubt.NO_ANSWER);
        assertThat(judge(snap(threeVoters()).answers(id(2), NodeHealth.State.SEALED))).containsEntry(id(2), HealthyVoters.Doubt.NOT_SERVING);
        assertThat(judge(snap(threeVoters()).answers(id(2), NodeHealth.State.TLS_FAILURE))).containsEntry(id(2), HealthyVoters.Doubt.TLS_FAILURE);
        // Answers, but knows no leader (cut off from Raft while autopilot still has its last stats): not counted.
        assertThat(judge(snap(threeVoters()).answers(id(2), NodeHealth.State.STANDBY_NO_ACTIVE)))
                .containsEntry(id(2), HealthyVoters.Doubt.NOT_SERVING);
        assertThat(judge(snap(threeVoters()).autopilotUnhealthy(id(2)))).containsEntry(id(2), HealthyVoters.Doubt.AUTOPILOT_UNHEALTHY);
        assertThat(judge(snap(threeVoters()).lastContact(id(2), Duration.ofSeconds(9)))).containsEntry(id(2), HealthyVoters.Doubt.CONTACT_STALE);
    }

    /**
     * A Consul standby names the leader it follows. One that follows another server than the configuration's leader
     * is mid-change or cut off with an old leader: not counted, and the look is worth taking again.
     */
    @Test
    void aStandbyFollowingAnotherLeaderThanTheConfigurationsIsNotCounted() {
        // threeVoters(): id(1) leads at 10.0.1.1.
        assertThat(judge(snap(threeVoters()).follows(id(2), "10.0.1.1:8300"))).containsEntry(id(2), HealthyVoters.Doubt.NONE);
        Fixtures.Snap other = snap(threeVoters()).follows(id(2), "10.0.1.3:8300");
        assertThat(judge(other)).containsEntry(id(2), HealthyVoters.Doubt.OTHER_LEADER).containsEntry(id(3), HealthyVoters.Doubt.NONE);
        assertThat(HealthyVoters.autopilotLagging(other.build(), SafetyRules.DEFAULTS)).isTrue();
        assertThat(HealthyVoters.autopilotLagging(snap(threeVoters()).build(), SafetyRules.DEFAULTS)).isFalse();
    }

    /** Doubts that time resolves (a view lagging the nodes' own answers) are told apart from the node's own failure. */
    @Test
    void aVoterDoubtedOnlyByALaggingViewIsToldApartFromOneThatFailsItself() {
        assertThat(HealthyVoters.laggingOn(snap(threeVoters()).lastContact(id(2), Duration.ofSeconds(9)).build(),
                SafetyRules.DEFAULTS, id(2))).isTrue();
        assertThat(HealthyVoters.laggingOn(snap(threeVoters()).autopilotUnhealthy(id(2)).build(), SafetyRules.DEFAULTS, id(2))).isTrue();
        assertThat(HealthyVoters.laggingOn(snap(threeVoters()).follows(id(2), "10.0.1.3:8300").build(), SafetyRules.DEFAULTS, id(2))).isTrue();
        assertThat(HealthyVoters.laggingOn(snap(threeVoters()).crashedJustNow(id(2)).build(), SafetyRules.DEFAULTS, id(2))).isFalse();
        assertThat(HealthyVoters.laggingOn(snap(threeVoters()).answers(id(2), NodeHealth.State.SEALED).build(), SafetyRules.DEFAULTS, id(2))).isFalse();
        assertThat(HealthyVoters.laggingOn(snap(threeVoters()).build(), SafetyRules.DEFAULTS, id(2))).isFalse();
    }

    @Test
    void theLeadersOwnLastContactDoesNotCount() {
        assertThat(judge(snap(threeVoters()).lastContact(id(1), Duration.ofSeconds(60)))).containsEntry(id(1), HealthyVoters.Doubt.NONE);
    }

    @Test
    void nonVotersAreNotJudged() {
        List<RaftPeer> peers = List.of(Fixtures.voter(id(1), 1, true), Fixtures.nonVoter(id(9), 9));
        assertThat(judge(snap(peers))).containsOnlyKeys(id(1));
    }

    @Test
    void aPeerUnderAnotherNameIsJudgedByTheOneInstanceAtItsAddress() {
        List<RaftPeer> peers = List.of(Fixtures.voter(id(1), 1, true), new RaftPeer("legacy", "10.0.1.7:8201", false, true));
        Fixtures.Snap s = snap(peers).withoutInstance("legacy").instance(id(7), "g-b", "InService", "10.0.1.7", NodeHealth.State.STANDBY);
        assertThat(judge(s)).containsEntry("legacy", HealthyVoters.Doubt.NONE);
        Fixtures.Snap silent = snap(peers).withoutInstance("legacy").instance(id(7), "g-b", "InService", "10.0.1.7", NodeHealth.State.UNREACHABLE);
        assertThat(judge(silent)).containsEntry("legacy", HealthyVoters.Doubt.NO_ANSWER);
    }

    @Test
    void theBoundIsNeverLooserThanAutopilotsThreshold() {
        SafetyRules rules = SafetyRules.DEFAULTS;
        assertThat(rules.contactBound(new AutopilotSettings(Duration.ofSeconds(10), Duration.ofSeconds(5)))).isEqualTo(Duration.ofSeconds(5));
        assertThat(rules.contactBound(new AutopilotSettings(Duration.ofSeconds(10), Duration.ofSeconds(10)))).isEqualTo(Duration.ofSeconds(8));
    }
}
