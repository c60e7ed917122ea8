package dev.raftlifecycle.decisions;

import static dev.raftlifecycle.decisions.Fixtures.NOW;
import static dev.raftlifecycle.decisions.Fixtures.snap;
import static dev.raftlifecycle.decisions.Fixtures.threeVoters;
import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.contract.ClusterSystem;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A roll (scripts/rolling-upgrade) replaces servers and counts on the terminating handler to remove each old peer. In
 * shadow mode no handler removes one: a roll's first termination would leave a dead voter behind (4 voters, 3 alive:
 * no failure tolerance left) and then wait for a health that never comes back. So the status the roll gates on must
 * not call a shadow-mode cluster fit for a step, however healthy the cluster itself is.
 */
class ShadowStatusTest {
    @Test
    void aHealthyClusterIsNotFitForARollWhileTheHandlersAreInShadowMode() {
        ClusterSnapshot s = snap(threeVoters()).build();
        ClusterStatus active = ClusterStatus.of(s, SafetyRules.DEFAULTS, ClusterSystem.VAULT, NOW);
        assertThat(active.healthy()).isTrue();
        assertThat(RollStep.gateProblems(List.of(), active, 0)).noneMatch(p -> p.contains("not healthy"));

        ClusterStatus shadow = active.inShadowMode();
        assertThat(shadow.healthy()).isFalse();
        assertThat(shadow.problems()).singleElement().asString().contains("MODE=shadow").contains("roll");
        assertThat(RollStep.gateProblems(List.of(), shadow, 0)).anyMatch(p -> p.contains("not healthy")
                && p.contains("MODE=shadow"));
        // Everything observed stays as it was.
        assertThat(shadow.voters()).isEqualTo(active.voters());
        assertThat(shadow.failureTolerance()).isEqualTo(active.failureTolerance());
        assertThat(shadow.leader()).isEqualTo(active.leader());
    }
}
