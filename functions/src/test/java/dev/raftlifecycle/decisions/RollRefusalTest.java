package dev.raftlifecycle.decisions;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What the roll refuses before it changes anything (RollStep.refusal). */
class RollRefusalTest {
    private static RollStep.Member member(String id, String version) {
        return new RollStep.Member(id, "InService", version, "Healthy");
    }

    @Test
    void aLaterGroupWithoutRoomForAReplacementIsRefusedBeforeTheFirstStep() {
        RollStep.Group roomy = new RollStep.Group("c-servers-1", 1, 2, 1, "2", List.of(member("i-1", "1")));
        RollStep.Group full = new RollStep.Group("c-servers-2", 1, 1, 1, "2", List.of(member("i-2", "1")));
        var refused = RollStep.refusal(List.of("c-servers-1", "c-servers-2"), List.of(roomy, full));
        assertThat(refused).isPresent();
        assertThat(refused.get().exitCode()).isEqualTo(RollStep.EXIT_REFUSED);
        assertThat(refused.get().reason()).contains("c-servers-2").contains("raise MaxSize to at least 2");
    }

    @Test
    void aFullGroupWhoseInstancesAreAllNewOrThatHoldsItsReplacementAlreadyIsNotRefused() {
        RollStep.Group rolled = new RollStep.Group("c-servers-1", 1, 1, 1, "2", List.of(member("i-1n", "2")));
        // Resumed half-way: the replacement is there (desired above MinSize), MaxSize reached on purpose.
        RollStep.Group halfWay = new RollStep.Group("c-servers-2", 1, 2, 2, "2",
                List.of(member("i-2", "1"), member("i-2n", "2")));
        assertThat(RollStep.refusal(List.of("c-servers-1", "c-servers-2"), List.of(rolled, halfWay))).isEmpty();
    }
}
