package dev.raftlifecycle.roll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.decisions.ClusterStatus;
import dev.raftlifecycle.roll.RollCommandTest.Result;
import dev.raftlifecycle.roll.RollCommandTest.World;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.autoscaling.model.Activity;

/**
 * Sequences of events, played on {@link RollCommandTest}'s world, for which the roll takes a wrong or unsafe step
 * (issue 33 review). Each test states what should happen; each fails on the code as reviewed.
 */
class RollBreakTest {
    static final String ABANDON_MESSAGE = "Instance failed to complete user's Lifecycle Action: Lifecycle Action with "
            + "token 0b6f-... was abandoned: Lifecycle Action Completed with ABANDON Result";

    static Activity launching(String group, String instance, Instant start, String code, String message, Instant end) {
        return Activity.builder().autoScalingGroupName(group).activityId("act-" + instance)
                .description("Launching a new EC2 instance: " + instance).startTime(start).endTime(end)
                .statusCode(code).statusMessage(message).build();
    }

    /**
     * A 3-node roll stopped (killed, or exit 1 on a timeout) right after the leadership moved to its victim and the
     * next group got its replacement: c-servers-1 and -2 each hold an old and a new instance, 5 voters, tolerance 2.
     * The resumed run takes 2 as its promise (the value "now"), terminates i-2-old (5 -> 4 voters, tolerance 1, the
     * 3-node cluster's own value) and then waits for a tolerance of 2 that a 3-node cluster never has: Stop 4 after
     * --settle. A second run must finish a half-done roll.
     */
    @Test
    void resumeAfterLeaderMoveFinishes() {
        World world = new World();
        world.add(new World.Node("i-1-new", "c-servers-1", "2"), "InService");
        world.add(new World.Node("i-2-new", "c-servers-2", "2"), "InService");
        world.voters.add("i-1-new");
        world.voters.add("i-2-new");
        world.sizes.get("c-servers-1")[2] = 2;
        world.sizes.get("c-servers-2")[2] = 2;
        world.leader = "i-1-old";
        Result result = RollCommandTest.run(world, RollCommandTest.args());
        assertThat(result.code()).as(result.err()).isZero();
        assertThat(world.nodes.values()).hasSize(3).allSatisfy(n -> assertThat(n.version()).isEqualTo("2"));
    }

    /**
     * The previous run launched i-2-new and was killed while it waited in its launch hook. The rerun starts; the
     * launch hook then ABANDONs (the activity began before the rerun, its ABANDON lands after it); Auto Scaling
     * launches the broken image again and this time it joins. The roll filters the evidence by the activity's start
     * time, never sees the ABANDON that happened during its run and finishes with exit 0 on an image whose admission
     * was just abandoned. It should stop 2 (ABANDON since the roll started).
     */
    @Test
    void abandonDuringTheRunOfAnActivityStartedBeforeItStops2() {
        Instant killedRunLaunch = Instant.parse("2026-11-22T11:59:00Z");
        World world = new World() {
            boolean abandoned;

            @Override
            void advance() {
                if (abandoned) {
                    super.advance();
                    return;
                }
                abandoned = true;
                now = now.plusSeconds(15);
                state.remove("i-2-new");
                nodes.remove("i-2-new");
                activities.set(0, launching("c-servers-2", "i-2-new", killedRunLaunch, "Cancelled", ABANDON_MESSAGE,
                        now));
                add(new Node("i-2-again", "c-servers-2", "2"), "Pending:Wait");
                activities.add(0, launching("c-servers-2", "i-2-again", now, "InProgress", null, null));
            }
        };
        world.add(new World.Node("i-2-new", "c-servers-2", "2"), "Pending:Wait");
        world.sizes.get("c-servers-2")[2] = 2;
        world.activities.add(launching("c-servers-2", "i-2-new", killedRunLaunch, "InProgress", null, null));
        Result result = RollCommandTest.run(world, RollCommandTest.args());
        assertThat(result.code()).as(result.err()).isEqualTo(2);
    }

    /**
     * The stack replaced its launch template (a new template, whose first version is 1): every group points at
     * lt-9 version 1, every instance still runs lt-1 version 1. The roll compares version numbers only, finds nothing
     * old and exits 0 "every instance runs its group's launch template version" having replaced nothing.
     */
    @Test
    void instanceOnAnotherTemplateWithTheSameVersionNumberIsNotNew() {
        World world = new World();
        world.groupTemplateId = "lt-9";
        world.groupVersion = "1";
        Result result = RollCommandTest.run(world, RollCommandTest.args());
        if (result.code() == 0) {
            assertThat(world.launches).as("exit 0 claims every instance runs the group's template: " + result.err())
                    .isEqualTo(3);
        }
        assertThat(world.mutations.isEmpty() && result.code() == 0).as(result.err()).isFalse();
    }

    /**
     * The replacement launched for i-2-old is ABANDONed; Auto Scaling launches the image again at once. The roll read
     * Auto Scaling (desired 2, one live instance), then invoked the status function (seconds), during which the
     * relaunch appeared; it sets desired back to 1 from the stale describe. With two live instances Auto Scaling now
     * scales in, and its default termination policy takes the instance on the older launch template version first:
     * i-2-old, the old voter, goes with no replacement. The undo must not lower desired below what is live now.
     */
    @Test
    void setDesiredBackFromAStaleDescribeDoesNotScaleInTheOldVoter() {
        World world = new World() {
            boolean abandoned;
            boolean relaunchAtNextStatus;

            @Override
            void advance() {
                if (!abandoned && state.containsKey("i-2-new1")) {
                    abandoned = true;
                    now = now.plusSeconds(15);
                    Instant launched = now.minusSeconds(15);
                    state.remove("i-2-new1");
                    nodes.remove("i-2-new1");
                    activities.add(0, launching("c-servers-2", "i-2-new1", launched, "Cancelled", ABANDON_MESSAGE,
                            now));
                    relaunchAtNextStatus = true;
                    return;
                }
                super.advance();
            }

            @Override
            ClusterStatus status() {
                if (relaunchAtNextStatus) {
                    relaunchAtNextStatus = false;
                    add(new Node("i-2-again", "c-servers-2", "2"), "Pending:Wait");
                }
                return super.status();
            }
        };
        Result result = RollCommandTest.run(world, RollCommandTest.args());
        assertThat(result.code()).as(result.err()).isEqualTo(2);
        long live = world.nodes.keySet().stream().filter(id -> id.startsWith("i-2-")).count();
        assertThat(world.sizes.get("c-servers-2")[2]).as("desired of c-servers-2 vs its %d live instances (%s): %s",
                live, world.mutations, result.err()).isGreaterThanOrEqualTo((int) live);
    }
}
