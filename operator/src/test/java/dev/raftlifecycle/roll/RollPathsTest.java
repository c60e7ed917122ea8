package dev.raftlifecycle.roll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.roll.RollCommandTest.Result;
import dev.raftlifecycle.roll.RollCommandTest.World;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingException;
import software.amazon.awssdk.services.autoscaling.model.RefreshStrategy;
import software.amazon.awssdk.services.autoscaling.model.StartInstanceRefreshRequest;

/**
 * The roll's paths nothing else plays, on {@link RollCommandTest}'s world: {@code --stack} (its outputs read and
 * used), {@code --order as-aws} (refreshes, their ends, ABANDON, --timeout, the gate between groups) and a leader-last
 * terminate whose outcome is unknown.
 */
class RollPathsTest {
    static final String GATE = "c-leader-changes,c-voters-unhealthy";

    /** The stack "vault": groups in the order 3, 2, 1; the gate's alarms; cluster c; status function c-status. */
    static World stackWorld(Map<String, String> outputs) {
        World world = new World();
        world.stacks.put("vault", outputs);
        return world;
    }

    static Map<String, String> outputs() {
        Map<String, String> outputs = new LinkedHashMap<>();
        outputs.put("ServerGroupNames", "c-servers-3,c-servers-2,c-servers-1");
        outputs.put("GateAlarmNames", GATE);
        outputs.put("ClusterName", "c");
        outputs.put("StatusFunctionName", "c-status");
        outputs.put("SnapshotBucketName", "unrelated");
        return outputs;
    }

    // --stack

    /** Groups (in the stack's order), status function and gate alarms all come from the outputs. */
    @Test
    void stackOutputsAreReadAndUsed() {
        World world = stackWorld(outputs());
        Result result = RollCommandTest.run(world, "--stack", "vault");
        assertThat(result.code()).as(result.err()).isZero();
        // Leader-last in the stack's group order: c-servers-3 before c-servers-2, the leader's group last.
        assertThat(world.mutations).containsExactly(
                "SetDesiredCapacity c-servers-3 2", "Terminate i-3-old decrement=true",
                "SetDesiredCapacity c-servers-2 2", "Terminate i-2-old decrement=true",
                "SetDesiredCapacity c-servers-1 2", "Terminate i-1-old decrement=true");
        assertThat(world.invoked).isNotEmpty().containsOnly("c-status:live");
        assertThat(world.alarmRequests).isNotEmpty().allSatisfy(r -> {
            assertThat(r.alarmNames()).containsExactly("c-leader-changes", "c-voters-unhealthy");
            assertThat(r.alarmNamePrefix()).isNull();
        });
        assertThat(result.err()).contains("groups c-servers-3, c-servers-2, c-servers-1 (cluster c")
                .contains("status from c-status");
        assertThat(world.nodes.values()).hasSize(3).allSatisfy(n -> assertThat(n.version()).isEqualTo("2"));
    }

    /** The gate is exactly GateAlarmNames: a firing {@code c-x} outside it does not stop the roll, one in it does. */
    @Test
    void stackGateChecksExactlyGateAlarmNames() {
        World outside = stackWorld(outputs());
        outside.firing = List.of("c-x", "c-roll-stopped");
        Result passed = RollCommandTest.run(outside, "--stack", "vault");
        assertThat(passed.code()).as(passed.err()).isZero();
        assertThat(outside.nodes.values()).allSatisfy(n -> assertThat(n.version()).isEqualTo("2"));

        World inside = stackWorld(outputs());
        inside.firing = List.of("c-x", "c-voters-unhealthy");
        Result stopped = RollCommandTest.run(inside, "--stack", "vault");
        assertThat(stopped.code()).as(stopped.err()).isEqualTo(3);
        assertThat(stopped.err()).contains("c-voters-unhealthy").doesNotContain("c-x");
        assertThat(inside.mutations).isEmpty();
    }

    /** The gate is checked before each step, not only at the start: a GateAlarmNames alarm firing mid-roll stops it. */
    @Test
    void stackGateAlarmFiringMidRollStops3BeforeTheNextStep() {
        World world = new World() {
            @Override
            void advance() {
                super.advance();
                if (mutations.contains("Terminate i-3-old decrement=true")) {
                    firing = List.of("c-leader-changes");
                }
            }
        };
        world.stacks.put("vault", outputs());
        Result result = RollCommandTest.run(world, "--stack", "vault");
        assertThat(result.code()).as(result.err()).isEqualTo(3);
        assertThat(result.err()).contains("c-leader-changes");
        assertThat(world.mutations).containsExactly("SetDesiredCapacity c-servers-3 2",
                "Terminate i-3-old decrement=true");
    }

    /** No GateAlarmNames: the gate is the prefix of the stack's ClusterName, not of the name the groups suggest. */
    @Test
    void stackWithoutGateAlarmNamesGatesOnItsClusterName() {
        Supplier<World> world = () -> {
            Map<String, String> outputs = outputs();
            outputs.remove("GateAlarmNames");
            outputs.put("ClusterName", "prod");
            return stackWorld(outputs);
        };
        World other = world.get();
        other.firing = List.of("c-leader-changes");
        assertThat(RollCommandTest.run(other, "--stack", "vault").code()).isZero();
        assertThat(other.alarmRequests).isNotEmpty()
                .allSatisfy(r -> assertThat(r.alarmNamePrefix()).isEqualTo("prod-"));

        World own = world.get();
        own.firing = List.of("prod-leader-changes");
        Result result = RollCommandTest.run(own, "--stack", "vault");
        assertThat(result.code()).as(result.err()).isEqualTo(3);
        assertThat(result.err()).contains("prod-leader-changes");
        assertThat(own.mutations).isEmpty();
    }

    /** A stack of an older version (no StatusFunctionName): exit 1 naming the output and the way out; nothing done. */
    @Test
    void olderStackWithoutStatusFunctionNameExits1WithAClearMessage() {
        Map<String, String> outputs = outputs();
        outputs.remove("StatusFunctionName");
        World world = stackWorld(outputs);
        Result result = RollCommandTest.run(world, "--stack", "vault");
        assertThat(result.code()).as(result.err()).isEqualTo(1);
        assertThat(result.err()).contains("stack vault has no StatusFunctionName output")
                .contains("--status-function");
        assertThat(world.mutations).isEmpty();
        assertThat(world.invoked).isEmpty();
    }

    /** A stack that does not exist: exit 1 (an AWS call failed) with CloudFormation's message; nothing read or done. */
    @Test
    void stackThatDoesNotExistExits1AndMutatesNothing() {
        World world = stackWorld(outputs());
        Result result = RollCommandTest.run(world, "--stack", "nope");
        assertThat(result.code()).as(result.err()).isEqualTo(1);
        assertThat(result.err()).contains("an AWS call failed").contains("Stack with id nope does not exist");
        assertThat(world.mutations).isEmpty();
        assertThat(world.invoked).isEmpty();
        assertThat(world.alarmRequests).isEmpty();
    }

    // --order as-aws

    /**
     * One refresh per group in the order given (not sorted), each with the documented preferences, polled until
     * Successful before the next group's starts.
     */
    @Test
    void asAwsRefreshesEachGroupInTurnWithThePreferences() {
        World world = new World();
        world.refreshTicks = 3;
        Result result = RollCommandTest.run(world, "--groups", "c-servers-3,c-servers-1,c-servers-2",
                "--status-function", "c-pub", "--order", "as-aws", "--instance-warmup", "90");
        assertThat(result.code()).as(result.err()).isZero();
        assertThat(world.mutations).containsExactly("StartInstanceRefresh c-servers-3",
                "StartInstanceRefresh c-servers-1", "StartInstanceRefresh c-servers-2");
        assertThat(world.refreshStarts).hasSize(3).allSatisfy((StartInstanceRefreshRequest r) -> {
            assertThat(r.strategy()).isEqualTo(RefreshStrategy.ROLLING);
            assertThat(r.preferences().minHealthyPercentage()).isEqualTo(100);
            assertThat(r.preferences().maxHealthyPercentage()).isEqualTo(200);
            assertThat(r.preferences().skipMatching()).isTrue();
            assertThat(r.preferences().instanceWarmup()).isEqualTo(90);
        });
        assertThat(world.refreshStartsSaw).containsExactly("c-servers-3",
                "c-servers-1 c-servers-3=Successful",
                "c-servers-2 c-servers-3=Successful c-servers-1=Successful");
        // Polled through the three advances each refresh took, not concluded on its start.
        assertThat(world.refreshPolls).containsOnlyKeys("c-servers-3", "c-servers-1", "c-servers-2")
                .allSatisfy((group, polls) -> assertThat(polls).isGreaterThanOrEqualTo(3));
        assertThat(world.nodes.values()).hasSize(3).allSatisfy(n -> assertThat(n.version()).isEqualTo("2"));
    }

    /** A refresh that ends Failed or Cancelled: exit 1, its status named, the later groups never started. */
    @ParameterizedTest
    @ValueSource(strings = {"Failed", "Cancelled"})
    void asAwsRefreshEndingBadlyExits1AndStartsNoLaterGroup(String end) {
        World world = new World();
        world.refreshTicks = 2;
        world.refreshEnds.put("c-servers-2", end);
        Result result = RollCommandTest.run(world, RollCommandTest.args("--order", "as-aws"));
        assertThat(result.code()).as(result.err()).isEqualTo(1);
        assertThat(result.err()).contains("c-servers-2: refresh ir-c-servers-2 ended " + end)
                .contains("later groups not started");
        assertThat(world.mutations).containsExactly("StartInstanceRefresh c-servers-1",
                "StartInstanceRefresh c-servers-2");
        assertThat(world.nodes.get("i-3-old").version()).isEqualTo("1");
    }

    /**
     * An activity that mentions ABANDON and appears during the refresh: the refresh is cancelled, exit 2, no later
     * group started. An ABANDON that had ended before the run (a previous run's) is not evidence.
     */
    @Test
    void asAwsAbandonDuringARefreshCancelsItAndExits2() {
        Instant before = Instant.parse("2026-11-22T11:00:00Z");
        World world = new World() {
            @Override
            void advance() {
                super.advance();
                if (activities.size() == 1) {
                    activities.add(0, RollBreakTest.launching("c-servers-1", "i-1-fresh", now.minusSeconds(10),
                            "Cancelled", RollBreakTest.ABANDON_MESSAGE, now));
                }
            }
        };
        world.refreshTicks = 100;
        world.activities.add(RollBreakTest.launching("c-servers-1", "i-1-earlier", before, "Cancelled",
                RollBreakTest.ABANDON_MESSAGE, before.plusSeconds(60)));
        Result result = RollCommandTest.run(world, RollCommandTest.args("--order", "as-aws"));
        assertThat(result.code()).as(result.err()).isEqualTo(2);
        assertThat(result.err()).contains("ABANDON").contains("i-1-fresh").doesNotContain("i-1-earlier")
                .contains("refresh ir-c-servers-1 cancelled");
        assertThat(world.mutations).containsExactly("StartInstanceRefresh c-servers-1",
                "CancelInstanceRefresh c-servers-1");
        assertThat(world.refreshes.get("c-servers-1")[1]).isEqualTo("Cancelled");
    }

    /** Only a previous run's ABANDON (ended before this run started) among the activities: the refreshes go on. */
    @Test
    void asAwsIgnoresAnAbandonThatEndedBeforeTheRun() {
        Instant before = Instant.parse("2026-11-22T11:00:00Z");
        World world = new World();
        world.activities.add(RollBreakTest.launching("c-servers-1", "i-1-earlier", before, "Cancelled",
                RollBreakTest.ABANDON_MESSAGE, before.plusSeconds(60)));
        Result result = RollCommandTest.run(world, RollCommandTest.args("--order", "as-aws"));
        assertThat(result.code()).as(result.err()).isZero();
        assertThat(world.mutations).containsExactly("StartInstanceRefresh c-servers-1",
                "StartInstanceRefresh c-servers-2", "StartInstanceRefresh c-servers-3");
    }

    /** A refresh still in progress after --timeout: cancelled, exit 1, the later groups not started. */
    @Test
    void asAwsRefreshPastTimeoutIsCancelledExit1() {
        World world = new World();
        world.refreshTicks = 1000;
        Result result = RollCommandTest.run(world, RollCommandTest.args("--order", "as-aws", "--timeout", "60"));
        assertThat(result.code()).as(result.err()).isEqualTo(1);
        assertThat(result.err()).contains("refresh ir-c-servers-1 did not finish within --timeout 60s; cancelled");
        assertThat(world.mutations).containsExactly("StartInstanceRefresh c-servers-1",
                "CancelInstanceRefresh c-servers-1");
    }

    /**
     * The health gate between groups: after c-servers-1's refresh its new instance never becomes a voter (cluster not
     * healthy, tolerance below the promise): after --settle, exit 4, c-servers-2's refresh not started.
     */
    @Test
    void asAwsHealthGateBetweenGroupsStops4AfterSettle() {
        World world = new World() {
            @Override
            void advance() {
                super.advance();
                // c-servers-1's replacement is InService but never joins as a voter; the leadership moves on.
                if (voters.remove("i-1-old-r") && "i-1-old-r".equals(leader)) {
                    leader = voters.iterator().next();
                }
            }
        };
        Result result = RollCommandTest.run(world, RollCommandTest.args("--order", "as-aws", "--settle", "30"));
        assertThat(result.code()).as(result.err()).isEqualTo(4);
        assertThat(result.err()).contains("not fit for the next group after --settle 30s");
        assertThat(world.mutations).containsExactly("StartInstanceRefresh c-servers-1");
        assertThat(world.refreshes).containsOnlyKeys("c-servers-1");
    }

    // Leader-last: a terminate whose outcome is unknown

    /** Terminations take three advances, through Terminating:Wait, Terminating:Proceed and Terminating. */
    static World slowTerminations() {
        return new World() {
            final Map<String, Integer> terminatingFor = new LinkedHashMap<>();

            @Override
            void advance() {
                for (Map.Entry<String, String> e : state.entrySet()) {
                    if (e.getValue().startsWith("Terminating")) {
                        int n = terminatingFor.merge(e.getKey(), 1, Integer::sum);
                        // Terminating:Wait stays until super.advance(), which removes it (the leader stepping down).
                        e.setValue(n == 1 ? "Terminating:Proceed" : n == 2 ? "Terminating" : "Terminating:Wait");
                    }
                }
                super.advance();
            }
        };
    }

    static RuntimeException unknownOutcome(String kind) {
        return kind.equals("timeout") ? SdkClientException.create("Unable to execute HTTP request: Read timed out")
                : AutoScalingException.builder().statusCode(503).message("Service Unavailable")
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("ServiceUnavailable")
                                .errorMessage("Service Unavailable").build()).build();
    }

    /**
     * The terminates of a follower (i-2-old) and of the leader (i-1-old) are applied but their answers lost (a read
     * timeout, a 503): the roll re-reads, sees the victim Terminating*, waits it out and goes on; it never sends a
     * second terminate for either.
     */
    @ParameterizedTest
    @ValueSource(strings = {"timeout", "503"})
    void unknownTerminateOutcomeIsReobservedNotRepeated(String kind) {
        World world = slowTerminations();
        world.loseTerminateAnswer.put("i-2-old", unknownOutcome(kind));
        world.loseTerminateAnswer.put("i-1-old", unknownOutcome(kind));
        Result result = RollCommandTest.run(world, RollCommandTest.args());
        assertThat(result.code()).as(result.err()).isZero();
        assertThat(world.mutations).as(result.err()).containsExactly(
                "SetDesiredCapacity c-servers-2 2", "Terminate i-2-old decrement=true",
                "SetDesiredCapacity c-servers-3 2", "Terminate i-3-old decrement=true",
                "SetDesiredCapacity c-servers-1 2", "Terminate i-1-old decrement=true");
        assertThat(world.loseTerminateAnswer).isEmpty(); // both answers were indeed lost
        assertThat(result.err()).contains("TerminateInstanceInAutoScalingGroup i-2-old: outcome unknown")
                .contains("TerminateInstanceInAutoScalingGroup i-1-old: outcome unknown")
                .contains("c-servers-2: i-2-old is Terminating:Wait")
                .contains("c-servers-2: i-2-old is Terminating:Proceed")
                .contains("c-servers-1: i-1-old is Terminating");
        assertThat(world.sizes.values()).allSatisfy(s -> assertThat(s[2]).isEqualTo(1));
        assertThat(world.nodes.values()).hasSize(3).allSatisfy(n -> assertThat(n.version()).isEqualTo("2"));
    }

    /**
     * A terminate lost before Auto Scaling saw it (outcome unknown to the roll): the re-read shows the victim still
     * InService, so the terminate is decided again from that observation, once; desired is decremented once.
     */
    @Test
    void terminateThatNeverArrivedIsDecidedAgainFromTheReread() {
        World world = new World();
        world.dropTerminate.put("i-2-old", unknownOutcome("timeout"));
        Result result = RollCommandTest.run(world, RollCommandTest.args());
        assertThat(result.code()).as(result.err()).isZero();
        assertThat(world.mutations).containsExactly(
                "SetDesiredCapacity c-servers-2 2", "Terminate i-2-old decrement=true",
                "Terminate i-2-old decrement=true",
                "SetDesiredCapacity c-servers-3 2", "Terminate i-3-old decrement=true",
                "SetDesiredCapacity c-servers-1 2", "Terminate i-1-old decrement=true");
        assertThat(world.sizes.values()).allSatisfy(s -> assertThat(s[2]).isEqualTo(1));
        assertThat(world.launches).isEqualTo(3);
    }
}
