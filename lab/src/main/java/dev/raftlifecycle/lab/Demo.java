package dev.raftlifecycle.lab;

import dev.raftlifecycle.rig.VaultNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The scripted demo: bring a cluster up, show it, terminate a follower, terminate the leader, each through
 * the full lifecycle path with the real handlers, check every step, tear down. Ends with
 * "lab: N passed, M failed".
 */
final class Demo {
    private Demo() {
    }

    static int run(int nodes, Path outDir, PrintStream out) throws Exception {
        return run(nodes, outDir, out, false);
    }

    /**
     * @param foreign the cluster is built the way other tools build them (UUID node ids, DNS-name addresses, groups
     *                without our hooks or the retain policy) and adopted first ({@link LabEnvironment#adopt}); the
     *                demo then also loses an instance without a hook (a kill)
     */
    static int run(int nodes, Path outDir, PrintStream out, boolean foreign) throws Exception {
        Steps steps = new Steps(out);
        steps.info("lab: starting the AWS emulator and " + nodes + " Vault nodes over three AZ groups"
                + (foreign ? ", built the way other tools build them" : "") + " ...");
        LabEnvironment[] holder = new LabEnvironment[1];
        boolean up = steps.run("bring up the cluster (moto, Vault processes, init, auth)", () -> {
            holder[0] = LabEnvironment.start(nodes, outDir, java.util.Map.of(), new Progress(out), 0, foreign);
            if (foreign) {
                VaultNode any = holder[0].cluster.nodes().iterator().next();
                Steps.require(!any.nodeId().equals(any.instanceId()), "node_id is the instance id");
                Steps.require(holder[0].cluster.raftAddresses().get(any.nodeId()).startsWith(any.advertisedHost() + ":")
                        && !any.advertisedHost().equals(any.ip()), "the Raft address is not the DNS name");
                out.print(holder[0].adopt(false, true).indent(2));
            }
            holder[0].startSchedules(Duration.ofSeconds(5));
            VaultNode leader = holder[0].cluster.awaitLeader(Duration.ofSeconds(30));
            return "leader " + leader.instanceId() + ", " + holder[0].cluster.raftNodeIds().size() + " voters";
        });
        if (!up) {
            steps.info(String.format(Locale.ROOT, "lab: %d passed, %d failed", steps.passed(), steps.failed()));
            return 1;
        }
        LabEnvironment lab = holder[0];
        Runtime.getRuntime().addShutdownHook(new Thread(lab::close, "lab-teardown"));
        List<String> summary = new ArrayList<>();
        // A light KV client through the whole demo, so the timeline shows what a user of the cluster saw.
        KvLoad load = new KvLoad(lab, 5);
        load.start();
        try {
            steps.info("");
            steps.info(StatusView.render(StatusView.collect(lab)));
            steps.run("write a secret before any termination", () -> {
                Steps.require(lab.cluster.kvPut("demo/before", "survives"), "KV write failed");
                return "secret/demo/before";
            });
            steps.run("terminate a follower", () -> {
                String follower = lab.cluster.runningNodes().stream()
                        .filter(n -> !lab.cluster.leader().map(l -> l == n).orElse(false)).findFirst()
                        .orElseThrow(() -> new AssertionError("no follower running")).instanceId();
                return follower + ": " + describe(lab.driver.terminate(follower), summary, nodes, lab, false);
            });
            steps.info("");
            steps.info(StatusView.render(StatusView.collect(lab)));
            steps.run("terminate the leader", () -> {
                String leader = lab.cluster.awaitLeader(Duration.ofSeconds(30)).instanceId();
                return leader + ": " + describe(lab.driver.terminate(leader), summary, nodes, lab, true);
            });
            steps.info("");
            steps.info(StatusView.render(StatusView.collect(lab)));
            if (foreign) {
                steps.run("lose a follower's instance without a hook (a kill)", () -> {
                    VaultNode victim = lab.cluster.runningNodes().stream()
                            .filter(n -> !lab.cluster.leader().map(l -> l == n).orElse(false)).findFirst()
                            .orElseThrow(() -> new AssertionError("no follower running"));
                    java.util.Set<String> before = new java.util.HashSet<>(lab.cluster.groupNames().stream()
                            .flatMap(g -> lab.cluster.groupInstanceIds(g).stream()).toList());
                    String said = lab.driver.kill(victim.instanceId(), true);
                    lab.cluster.await("the lost peer removed, a replacement in service, all " + nodes + " voters healthy",
                            Duration.ofSeconds(180), () -> !lab.cluster.raftNodeIds().contains(victim.nodeId())
                                    && lab.cluster.runningNodes().stream().anyMatch(n -> !before.contains(n.instanceId())
                                    && lab.driver.state(n.instanceId()).equals("InService"))
                                    && lab.cluster.autopilot().path("healthy").asBoolean(false)
                                    && lab.cluster.autopilot().path("voters").size() == nodes);
                    summary.add("lost " + victim.instanceId() + ": " + said);
                    return victim.instanceId() + ": peer removed by the reconciler, replacement in service";
                });
                steps.info("");
                steps.info(StatusView.render(StatusView.collect(lab)));
            }
            steps.run("the secret written first is still readable", () -> {
                Steps.require(lab.cluster.kvGet("demo/before").filter("survives"::equals).isPresent(), "secret lost");
                return "secret/demo/before = survives";
            });
            steps.run("the publisher reports a healthy cluster", () -> {
                lab.cluster.await("a publisher run after the last step", Duration.ofSeconds(30), () -> {
                    var p = lab.invoke("publisher", "{}".getBytes());
                    return p.path("metrics").path("LeaderPresent").asDouble() == 1.0
                            && p.path("metrics").path("StalePeers").asDouble() == 0.0
                            && p.path("metrics").path("RaftPeers").asDouble() == nodes;
                });
                return "LeaderPresent 1, RaftPeers " + nodes + ", StalePeers 0";
            });
            steps.run("no lifecycle action left pending", () -> {
                long pending = lab.rig.recorder().openActions().size();
                Steps.require(pending == 0, pending + " pending");
                return "0 pending";
            });
            steps.run("KV reads and writes kept working", () -> {
                long ok = load.ops().stream().filter(KvLoad.Op::ok).count();
                Steps.require(ok > 0, "no KV operation succeeded");
                Steps.require(load.lostWrites().isEmpty(), "acknowledged writes lost: " + load.lostWrites());
                return ok + " of " + load.ops().size() + " operations succeeded, no acknowledged write lost";
            });
            steps.run("write the timeline page", () -> "lab: timeline written to " + lab.timeline.write(
                    outDir.resolve("lab-demo-" + System.currentTimeMillis() + ".html"), "raft-lifecycle lab demo", summary));
        } catch (RuntimeException e) {
            // Outside any step (e.g. the status table): counted as a failure, and the teardown still runs.
            steps.check("the demo ran to its end", false, Duration.ZERO, e.getClass().getSimpleName() + ": " + e.getMessage());
        } finally {
            load.close();
            steps.run("tear down (every process the lab started)", () -> {
                lab.close();
                return "stopped";
            });
        }
        steps.info(String.format(Locale.ROOT, "lab: %d passed, %d failed", steps.passed(), steps.failed()));
        return steps.failed() == 0 ? 0 : 1;
    }

    static String describe(LifecycleDriver.Termination t, List<String> summary, int nodes, LabEnvironment lab,
                           boolean wasLeader) {
        Steps.require("CONTINUE".equals(t.result()), "terminate hook completed " + t.result() + " (" + t.reason() + ")");
        Steps.require(t.peerRemoved(), "the peer was not removed");
        Steps.require(!wasLeader || t.steppedDown(), "the leader was not stepped down first");
        LifecycleDriver.Launch launch = t.replacement().orElseThrow(() -> new AssertionError("no replacement"));
        Steps.require("CONTINUE".equals(launch.result()), "launch hook completed " + launch.result() + " (" + launch.reason() + ")");
        lab.cluster.await("all " + nodes + " voters healthy", Duration.ofSeconds(60), () ->
                lab.cluster.autopilot().path("healthy").asBoolean(false)
                        && lab.cluster.autopilot().path("voters").size() == nodes);
        String line = String.format(Locale.ROOT, "%s: terminate hook %s (%s) in %.1f s; replacement %s in service after %.1f s",
                t.instanceId(), t.result(), t.reason(), t.handlerTime().toMillis() / 1000.0, launch.instanceId(),
                launch.took().toMillis() / 1000.0);
        summary.add(line);
        return String.format(Locale.ROOT, "%s%s, replacement %s (%.1f s)", t.reason(), t.steppedDown() ? " after step-down" : "",
                launch.instanceId(), launch.took().toMillis() / 1000.0);
    }
}
