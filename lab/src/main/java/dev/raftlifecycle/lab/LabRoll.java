package dev.raftlifecycle.lab;

import dev.raftlifecycle.rig.Rig;
import dev.raftlifecycle.rig.VaultNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;

/**
 * scripts/lab roll: every node of a new lab cluster rolled to a new "image" (a new launch template version) by
 * scripts/rolling-upgrade itself, the process an operator runs against AWS (RollCommand), here pointed at the lab's AWS
 * endpoint, where {@link AutoScalingStandIn} plays Auto Scaling's side through the lab's lifecycle paths (launch hook,
 * terminate hook, the real handlers). A KV load (the deadline client) runs throughout and {@link RollMeter} measures,
 * from outside the automation, what the roll cost it. The run passes only when the script exits 0, every instance at
 * the start was replaced, every instance runs the new version, no peer is stale, no lifecycle action is open and no
 * acknowledged write is lost.
 */
final class LabRoll {
    /** How long the cluster may stay unhealthy before the script stops (its --settle), in the lab. */
    static final Duration SETTLE = Duration.ofSeconds(60);
    /** The script's poll in the lab: the lab's steps take seconds, not minutes. */
    static final Duration POLL = Duration.ofSeconds(1);
    /** A roll that takes longer than this is stopped and fails. */
    static final Duration LIMIT = Duration.ofMinutes(20);

    private LabRoll() {
    }

    /**
     * One whole run: the exit code, the script's, the figures (null when the roll never started), the load's writes
     * by time, and each launch's admission (launch to the launch hook's CONTINUE).
     */
    record Run(int exit, int scriptExit, RollMeter.Result figures, WriteAvailability.Figures writes,
               List<Duration> admissions) {
        Run(int exit, int scriptExit) {
            this(exit, scriptExit, null, null, List.of());
        }
    }

    /**
     * Shapes the lab's groups as the stack's are (MinSize = desired capacity: the size the roll keeps; MaxSize twice
     * that: room for the replacement it launches before it terminates) and points them at a new launch template version.
     * Returns the version.
     */
    static String prepare(LabEnvironment lab) {
        for (String group : lab.cluster.groupNames()) {
            AutoScalingGroup g = describe(lab, group);
            int desired = g.desiredCapacity();
            lab.rig.autoScaling().updateAutoScalingGroup(r -> r.autoScalingGroupName(group).minSize(desired)
                    .maxSize(Math.max(2 * desired, desired + 1)));
        }
        return lab.autoScaling.newImage();
    }

    /** The command line of scripts/rolling-upgrade against the lab (its groups, status function, endpoint). */
    static List<String> command(LabEnvironment lab, String order, Duration settle, List<String> extra) {
        List<String> command = new ArrayList<>(List.of(Rig.repoRoot().resolve("scripts/rolling-upgrade").toString(),
                "--groups", String.join(",", lab.cluster.groupNames()),
                // The alias, as the operator policy allows (an unqualified invoke of the function is refused).
                "--status-function", lab.statusFunctionName(),
                "--cluster", lab.cluster.name(),
                "--order", order,
                "--endpoint-url", lab.awsEndpoint().toString(),
                "--region", Rig.REGION.id(),
                "--poll", Long.toString(POLL.toSeconds()),
                "--settle", Long.toString(settle.toSeconds()),
                "--instance-warmup", "5"));
        command.addAll(extra);
        return command;
    }

    /**
     * Starts scripts/rolling-upgrade as its own process, signing with the lab's operator credentials
     * ({@link LabEnvironment#operatorCredentials}: the stack's roll operator policy, bound to the lab; the environment
     * the SDK's default chain reads; no profile of the machine's), its output appended to {@code log} and, line by
     * line, to {@code echo}.
     */
    static Process start(LabEnvironment lab, String order, Duration settle, List<String> extra, Path log,
                         PrintStream echo) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command(lab, order, settle, extra)).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("AWS_"));
        // The stack's roll operator policy, not the emulator's administrator: the roll proves the policy is enough.
        env.put("AWS_ACCESS_KEY_ID", lab.operatorCredentials().accessKeyId());
        env.put("AWS_SECRET_ACCESS_KEY", lab.operatorCredentials().secretAccessKey());
        env.put("AWS_REGION", Rig.REGION.id());
        env.put("AWS_CONFIG_FILE", "/dev/null");
        env.put("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
        // The lab was built (scripts/lab, or the Maven build running the tests: -pl lab -am) with the operator jar the
        // script runs: the script must not rebuild it under the running lab's classes.
        env.put("LAB_PREBUILT", "1");
        Process process = builder.start();
        Thread pump = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    Files.writeString(log, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND);
                    echo.println(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "rolling-upgrade-output");
        pump.setDaemon(true);
        pump.start();
        return process;
    }

    /** Waits for the script; kills it after {@code limit}. Its exit code, -1 when it had to be killed. */
    static int await(Process process, Duration limit) throws InterruptedException {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            return -1;
        }
        return process.exitValue();
    }

    /**
     * What is wrong after a roll to {@code version}, as AWS and the cluster answer: instances not InService or not on
     * the version, peers in the Raft configuration that match no running instance, running instances that are no
     * peer, lifecycle actions still open. Empty when the roll left the cluster as it should.
     */
    static List<String> problemsAfter(LabEnvironment lab, String version) {
        List<String> problems = new ArrayList<>();
        try (AutoScalingClient autoScaling = AutoScalingClient.builder().endpointOverride(lab.awsEndpoint())
                .region(Rig.REGION).credentialsProvider(StaticCredentialsProvider.create(lab.awsCredentials()))
                .build()) {
            for (String group : lab.cluster.groupNames()) {
                AutoScalingGroup g = autoScaling.describeAutoScalingGroups(r -> r.autoScalingGroupNames(group))
                        .autoScalingGroups().get(0);
                g.instances().forEach(i -> {
                    String v = i.launchTemplate() == null ? null : i.launchTemplate().version();
                    if (!"InService".equals(i.lifecycleStateAsString()) || !version.equals(v)) {
                        problems.add(i.instanceId() + " in " + group + ": " + i.lifecycleStateAsString()
                                + ", launch template version " + v);
                    }
                });
            }
        }
        Set<String> running = lab.cluster.runningNodes().stream().map(VaultNode::instanceId).collect(Collectors.toSet());
        Set<String> peers = new TreeSet<>(lab.cluster.raftNodeIds());
        peers.stream().filter(p -> !running.contains(p)).forEach(p -> problems.add("stale peer " + p));
        running.stream().filter(r -> !peers.contains(r)).forEach(r -> problems.add("running node " + r + " is no peer"));
        lab.rig.recorder().openActions().stream().filter(a -> lab.cluster.groupNames().contains(a.groupName()))
                .forEach(a -> problems.add("lifecycle action still open for " + a.instanceId()));
        return problems;
    }

    /** The whole command: its own cluster of {@code nodes}, the roll in {@code order} under {@code rps} KV load. */
    static Run execute(int nodes, String order, int rps, Path outDir, PrintStream out) throws Exception {
        Steps steps = new Steps(out);
        out.printf(Locale.ROOT, "roll: %d nodes, order %s, %d req/s KV load (deadline client)%n", nodes, order, rps);
        LabEnvironment[] holder = new LabEnvironment[1];
        if (!steps.run("bring up the cluster (moto, Vault processes, init, auth)", () -> {
            holder[0] = LabEnvironment.start(nodes, outDir, Map.of(), new Progress(out));
            return holder[0].cluster.raftNodeIds().size() + " voters";
        })) {
            return new Run(1, -1);
        }
        LabEnvironment lab = holder[0];
        Runtime.getRuntime().addShutdownHook(new Thread(lab::close, "roll-teardown"));
        try {
            lab.startSchedules(Duration.ofSeconds(10));
            lab.cluster.await("a healthy cluster", Duration.ofSeconds(120), () -> lab.cluster.autopilot()
                    .path("healthy").asBoolean(false));
            String[] version = new String[1];
            steps.run("a new image: a new launch template version, the groups pointed at it (MinSize = desired)",
                    () -> "launch template version " + (version[0] = prepare(lab)));
            if (version[0] == null) {
                return new Run(1, -1);
            }
            Set<String> before = RollMeter.instances(lab);
            String leaderBefore = lab.cluster.awaitLeader(Duration.ofSeconds(60)).instanceId();
            int[] scriptExit = {-1};
            RollMeter.Result figures;
            WriteAvailability.Figures writes;
            List<String> problems;
            try (KvLoad load = new KvLoad(lab, rps, KvLoad.Client.DEADLINE)) {
                load.start();
                Thread.sleep(2000);
                try (RollMeter meter = new RollMeter(lab, load)) {
                    meter.start(before);
                    steps.run("scripts/rolling-upgrade --order " + order + " against the lab's AWS endpoint", () -> {
                        Process script = start(lab, order, SETTLE, List.of(), lab.dir.resolve("rolling-upgrade.log"), out);
                        scriptExit[0] = await(script, LIMIT);
                        Steps.require(scriptExit[0] == 0, "rolling-upgrade exited " + scriptExit[0]);
                        return "exit 0";
                    });
                    Thread.sleep(1000);
                    figures = meter.stop(RollMeter.instances(lab));
                    writes = meter.writes();
                }
                problems = problemsAfter(lab, version[0]);
            }
            steps.check("every instance InService on version " + version[0] + ", no stale peer, no open action",
                    problems.isEmpty(), Duration.ZERO, String.join("; ", problems));
            steps.check("every acknowledged write readable", figures.lostWrites() == 0, Duration.ZERO,
                    figures.lostWrites() + " lost");
            List<String> summary = List.of(figures.line(), String.format(Locale.ROOT,
                    "leader before the roll %s; autopilot's own lowest failure tolerance %d (its new leader reports 0 for a"
                            + " moment after an election); rolling-upgrade exit %d", leaderBefore,
                    figures.autopilotMinFailureTolerance(), scriptExit[0]));
            steps.run("write the timeline page", () -> "roll: timeline written to " + lab.timeline.write(
                    outDir.resolve("roll-" + System.currentTimeMillis() + ".html"),
                    "raft-lifecycle roll: " + nodes + " nodes, order " + order + ", " + rps + " req/s", summary));
            out.println(summary.get(1));
            out.println(figures.line());
            boolean replacedAll = figures.replaced() == before.size();
            return new Run(scriptExit[0] == 0 && replacedAll && steps.failed() == 0 ? 0 : 1, scriptExit[0], figures,
                    writes, lab.autoScaling.admissions());
        } finally {
            lab.close();
        }
    }

    private static AutoScalingGroup describe(LabEnvironment lab, String group) {
        return lab.rig.autoScaling().describeAutoScalingGroups(r -> r.autoScalingGroupNames(group)).autoScalingGroups()
                .get(0);
    }
}
