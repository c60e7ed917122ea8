package dev.raftlifecycle.roll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.roll.RollCommandTest.Result;
import dev.raftlifecycle.roll.RollCommandTest.World;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
        assertThat(result.err()).contains("c-pub:live throttled").contains("attempt 1, again in");
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

    /**
     * Throttled throughout, time passing only by the waits: retried until --settle runs out (not a fixed number of
     * attempts), the waits growing exponentially with jitter, the last cut to end at --settle; then exit 1.
     */
    @Test
    void throttledStatusIsRetriedWithBackoffUntilSettleRunsOut() {
        World world = new World();
        world.throttleNext = -1;
        List<Duration> waits = new ArrayList<>();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = RollCommand.run(RollCommandTest.args("--settle", "120"), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8), o -> world.ports(), world.clock(), d -> {
                    waits.add(d);
                    world.now = world.now.plus(d);
                });
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(1);
        assertThat(world.mutations).isEmpty();
        assertThat(world.invoked).hasSize(waits.size() + 1).hasSizeGreaterThan(5);
        assertThat(waits.stream().reduce(Duration.ZERO, Duration::plus)).isEqualTo(Duration.ofSeconds(120));
        for (int i = 0; i < waits.size() - 1; i++) { // the last one is cut to what --settle leaves
            Duration exponential = RollProcedure.THROTTLE_BASE.multipliedBy(1L << Math.min(i, 10));
            Duration cap = exponential.compareTo(RollProcedure.THROTTLE_CAP) > 0 ? RollProcedure.THROTTLE_CAP : exponential;
            assertThat(waits.get(i)).as("wait " + (i + 1)).isBetween(cap.dividedBy(2), cap);
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("on " + world.invoked.size() + " attempts over 120s");
    }

    @Test
    void throttleWaitsDoubleWithEqualJitterUpToTheCap() {
        assertThat(RollProcedure.throttleWait(1, 0)).isEqualTo(Duration.ofSeconds(1));
        assertThat(RollProcedure.throttleWait(1, 0.999)).isBetween(Duration.ofMillis(1990), Duration.ofSeconds(2));
        assertThat(RollProcedure.throttleWait(2, 0.5)).isEqualTo(Duration.ofSeconds(3));
        assertThat(RollProcedure.throttleWait(5, 0)).isEqualTo(Duration.ofSeconds(16));
        assertThat(RollProcedure.throttleWait(6, 0)).isEqualTo(Duration.ofSeconds(16));
        assertThat(RollProcedure.throttleWait(60, 0.999)).isLessThanOrEqualTo(RollProcedure.THROTTLE_CAP);
    }
}
