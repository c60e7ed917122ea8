package dev.raftlifecycle.roll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.roll.RollCommandTest.Result;
import dev.raftlifecycle.roll.RollCommandTest.World;
import org.junit.jupiter.api.Test;

/** The smaller fixes of the issue 33 review, played on {@link RollCommandTest}'s world. */
class RollFixesTest {

    /** --order as-aws resumed: c-servers-1 already has a refresh in progress; the run follows it, starts none there. */
    @Test
    void asAwsAdoptsARefreshAlreadyUnderWay() {
        World world = new World();
        world.refreshes.put("c-servers-1", new String[] {"ir-earlier", "InProgress"});
        Result result = RollCommandTest.run(world, RollCommandTest.args("--order", "as-aws"));
        assertThat(result.code()).as(result.err()).isZero();
        assertThat(result.err()).contains("c-servers-1: adopted the instance refresh ir-earlier");
        assertThat(world.mutations).containsExactly("StartInstanceRefresh c-servers-2", "StartInstanceRefresh c-servers-3");
        assertThat(world.nodes.values()).hasSize(3).allSatisfy(n -> assertThat(n.version()).isEqualTo("2"));
    }

    /** A refresh that is cancelling is not adopted (it will not roll anything): exit 1, nothing started. */
    @Test
    void asAwsDoesNotAdoptACancellingRefresh() {
        World world = new World();
        world.refreshes.put("c-servers-1", new String[] {"ir-earlier", "Cancelling"});
        Result result = RollCommandTest.run(world, RollCommandTest.args("--order", "as-aws"));
        assertThat(result.code()).as(result.err()).isEqualTo(1);
        assertThat(world.mutations).isEmpty();
    }

    /** --groups naming a subset that leaves the leader out: refused at the start, exit 4, naming leader and flag. */
    @Test
    void leaderOutsideTheGroupsGivenIsRefusedAtTheStart() {
        World world = new World();
        Result result = RollCommandTest.run(world, "--groups", "c-servers-2,c-servers-3", "--status-function", "c-pub");
        assertThat(result.code()).as(result.err()).isEqualTo(4);
        assertThat(result.err()).contains("i-1-old").contains("--groups").contains("c-servers-1");
        assertThat(world.mutations).isEmpty();
    }

    /** The publisher's reserved concurrency is held by its scheduled run: the invoke is retried, then the roll goes on. */
    @Test
    void throttledStatusInvokeIsRetried() {
        World world = new World();
        world.throttleNext = 2;
        Result result = RollCommandTest.run(world, RollCommandTest.args());
        assertThat(result.code()).as(result.err()).isZero();
        assertThat(result.err()).contains("throttled").contains("attempt 1 of 5");
        assertThat(world.nodes.values()).hasSize(3).allSatisfy(n -> assertThat(n.version()).isEqualTo("2"));
    }

    /** Throttled on every attempt: nothing concluded about the cluster, exit 1 (an AWS call failed), no mutation. */
    @Test
    void statusThrottledThroughoutExits1WithoutMutating() {
        World world = new World();
        world.throttleNext = -1;
        Result result = RollCommandTest.run(world, RollCommandTest.args("--settle", "10"));
        assertThat(result.code()).as(result.err()).isEqualTo(1);
        assertThat(result.err()).contains("throttled").contains("--settle 10s");
        assertThat(world.mutations).isEmpty();
    }
}
