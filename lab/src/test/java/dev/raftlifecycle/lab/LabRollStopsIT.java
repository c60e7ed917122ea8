package dev.raftlifecycle.lab;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.VaultNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;

/**
 * scripts/rolling-upgrade stopping where it must and resuming, on one real 3-node lab cluster under KV load, in one
 * sequence: refused (exit 4, nothing changed in AWS) while a voter is dead; killed half-way (a replacement launching)
 * and run again, which finishes that step from the state alone; a follower crashing while the resumed run launches the
 * next replacement stops it without a further termination (the crashed voter stays in the configuration); a last run
 * after the restart finishes. Over the whole sequence: every node replaced, one election, no acknowledged write lost.
 */
class LabRollStopsIT {
    private static final Set<String> MUTATIONS = Set.of("SetDesiredCapacity", "TerminateInstanceInAutoScalingGroup",
            "StartInstanceRefresh", "UpdateAutoScalingGroup");

    private static Path labDir(String name) throws IOException {
        Path dir = Path.of(System.getProperty("rig.workDir", "target/rig-runs")).resolve(name);
        Files.createDirectories(dir);
        return dir;
    }

    /** The Auto Scaling calls that change something, made since {@code since} (the front records every call). */
    private static List<LifecycleRecorder.AwsCall> mutationsSince(LabEnvironment lab, Instant since, Set<String> actions) {
        return lab.rig.recorder().awsCalls().stream().filter(c -> "autoscaling".equals(c.service()))
                .filter(c -> actions.contains(c.action())).filter(c -> !c.at().isBefore(since)).toList();
    }

    private static void awaitHealthy(LabEnvironment lab) {
        lab.cluster.await("a healthy cluster with full failure tolerance", Duration.ofSeconds(180), () -> {
            var state = lab.cluster.autopilot();
            return state.path("healthy").asBoolean(false) && state.path("failure_tolerance").asInt() >= 1;
        });
    }

    /** Waits for an instance of the groups that is neither in {@code known} nor was there at the start. */
    private static String awaitNewInstance(LabEnvironment lab, Set<String> known) throws InterruptedException {
        Instant give = Instant.now().plus(Duration.ofMinutes(3));
        while (Instant.now().isBefore(give)) {
            Set<String> now = new TreeSet<>(RollMeter.instances(lab));
            now.removeAll(known);
            if (!now.isEmpty()) {
                return now.iterator().next();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no new instance within 3 minutes");
    }

    private static AutoScalingGroup groupOf(LabEnvironment lab, String instanceId) {
        return lab.cluster.groupNames().stream()
                .map(g -> lab.rig.autoScaling().describeAutoScalingGroups(r -> r.autoScalingGroupNames(g))
                        .autoScalingGroups().get(0))
                .filter(g -> g.instances().stream().anyMatch(i -> i.instanceId().equals(instanceId)))
                .findFirst().orElseThrow();
    }

    private static void kill(Process script) throws InterruptedException {
        script.descendants().forEach(ProcessHandle::destroyForcibly);
        script.destroyForcibly();
        script.waitFor();
    }

    @Test
    void refusedWhileAVoterIsDeadResumedAfterAKillStoppedByACrashAndFinished() throws Exception {
        Path dir = labDir("roll-stops");
        PrintStream out = System.out;
        Path log = dir.resolve("rolling-upgrade-" + System.currentTimeMillis() + ".log");
        try (LabEnvironment lab = LabEnvironment.start(3, dir)) {
            lab.startSchedules(Duration.ofSeconds(10));
            awaitHealthy(lab);
            String version = LabRoll.prepare(lab);
            Set<String> before = RollMeter.instances(lab);
            VaultNode leader = lab.cluster.awaitLeader(Duration.ofSeconds(60));
            List<VaultNode> followers = lab.cluster.runningNodes().stream().filter(n -> n != leader).toList();
            try (KvLoad load = new KvLoad(lab, 10, KvLoad.Client.DEADLINE); RollMeter meter = new RollMeter(lab, load)) {
                load.start();
                meter.start(before);

                // 1. A voter is dead: refused before any change.
                VaultNode dead = followers.get(0);
                dead.kill();
                Instant refusedFrom = Instant.now();
                int refused = LabRoll.await(LabRoll.start(lab, "leader-last", Duration.ofSeconds(10), List.of(), log, out),
                        Duration.ofMinutes(5));
                assertThat(refused).as("exit while %s is dead", dead.instanceId()).isEqualTo(4);
                assertThat(mutationsSince(lab, refusedFrom, MUTATIONS)).as("changes while a voter was dead").isEmpty();
                assertThat(RollMeter.instances(lab)).isEqualTo(before);
                lab.cluster.restartNode(dead.instanceId());
                awaitHealthy(lab);

                // 2. Killed half-way: its first replacement is launching.
                Process first = LabRoll.start(lab, "leader-last", LabRoll.SETTLE, List.of(), log, out);
                String replacement = awaitNewInstance(lab, before);
                kill(first);
                AutoScalingGroup halfWay = groupOf(lab, replacement);
                assertThat(halfWay.instances()).as("the old instance and its replacement, half-way").hasSize(2);
                assertThat(followers.stream().map(VaultNode::instanceId))
                        .as("the first victim is a follower").anyMatch(id -> halfWay.instances().stream()
                                .anyMatch(i -> i.instanceId().equals(id)));

                // 3. Run again: it finishes that step and launches the next; a follower (the first replacement)
                //    crashes meanwhile: the roll stops without terminating anything more.
                Process second = LabRoll.start(lab, "leader-last", Duration.ofSeconds(15), List.of(), log, out);
                Set<String> known = new HashSet<>(before);
                known.add(replacement);
                String next = awaitNewInstance(lab, known);
                lab.cluster.await(replacement + " in service", Duration.ofSeconds(120),
                        () -> "InService".equals(lab.driver.state(replacement)));
                lab.cluster.node(replacement).kill();
                Instant crashed = Instant.now();
                int stopped = LabRoll.await(second, Duration.ofMinutes(10));
                assertThat(stopped).as("exit after %s crashed while %s launched", replacement, next).isIn(2, 4);
                assertThat(mutationsSince(lab, crashed, Set.of("TerminateInstanceInAutoScalingGroup")))
                        .as("terminations after the crash").isEmpty();
                assertThat(lab.cluster.raftNodeIds()).as("the crashed voter stays in the configuration")
                        .contains(replacement);
                assertThat(lab.cluster.leader()).isPresent();
                lab.cluster.restartNode(replacement);
                awaitHealthy(lab);

                // 4. The last run finishes the roll.
                int finished = LabRoll.await(LabRoll.start(lab, "leader-last", LabRoll.SETTLE, List.of(), log, out),
                        Duration.ofMinutes(15));
                assertThat(finished).as(Files.readString(log)).isZero();
                assertThat(LabRoll.problemsAfter(lab, version)).isEmpty();
                Thread.sleep(1000);
                RollMeter.Result result = meter.stop(RollMeter.instances(lab));
                out.println(result.line());
                assertThat(result.replaced()).as(result.line()).isEqualTo(3);
                assertThat(result.elections()).as(result.line()).isEqualTo(1);
                assertThat(result.lostWrites()).as(result.line()).isZero();
            }
        }
    }
}
