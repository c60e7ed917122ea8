package dev.raftlifecycle.lab;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.contract.ClusterSystem;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.events.Ec2Event;
import dev.raftlifecycle.events.Ec2EventParser;
import dev.raftlifecycle.handlers.HandlerRuntime;
import dev.raftlifecycle.handlers.HealthPublisherHandler;
import dev.raftlifecycle.handlers.LaunchingHandler;
import dev.raftlifecycle.handlers.ReconcilerHandler;
import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.ConsulCluster;
import dev.raftlifecycle.rig.ConsulNode;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.Rig;
import dev.raftlifecycle.rig.Tools;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * {@code scripts/lab --system consul}: the scripted demo on three Consul servers (SYSTEM=consul) with the same
 * handlers: terminate a follower and the leader through the full lifecycle path (terminate hook, removal, Auto
 * Scaling's replacement, launch hook), lose a server without a hook (EC2's state change, the reconciler), check a KV
 * entry and the publisher's metrics, tear down. Ends with "lab: N passed, M failed". The handlers' log goes to
 * {@code handlers.log} in the lab directory.
 */
final class ConsulDemo {
    private static final Duration LAMBDA_TIME = Duration.ofMinutes(5);

    private final Rig rig;
    private final ConsulCluster cluster;
    private final HandlerRuntimes runtimes;
    private final int nodes;

    private ConsulDemo(Rig rig, ConsulCluster cluster, HandlerRuntimes runtimes, int nodes) {
        this.rig = rig;
        this.cluster = cluster;
        this.runtimes = runtimes;
        this.nodes = nodes;
    }

    /** The handlers' environment for a rig Consul cluster, as the CDK app sets it with system=consul. */
    static Map<String, String> handlerEnvironment(ConsulCluster cluster, String lockTable) {
        Map<String, String> env = LabEnvironment.handlerEnvironment(cluster.rig(), cluster.name(), cluster.groupNames(),
                cluster.tlsServerName(), cluster.caPem(), lockTable);
        env.put(Settings.SYSTEM, ClusterSystem.CONSUL.value());
        return env;
    }

    static int run(int nodes, Path outDir, PrintStream out) throws Exception {
        Steps steps = new Steps(out);
        steps.info("lab: starting the AWS emulator and " + nodes + " Consul servers over three AZ groups ...");
        Path dir = outDir.resolve("consul-" + System.currentTimeMillis());
        Files.createDirectories(dir);
        Rig[] rig = new Rig[1];
        ConsulDemo[] demo = new ConsulDemo[1];
        PrintWriter handlerLog = new PrintWriter(Files.newBufferedWriter(dir.resolve("handlers.log"), StandardCharsets.UTF_8), true);
        boolean up = steps.run("bring up the cluster (moto, Consul servers, ACLs, aws-iam login)", () -> {
            rig[0] = Rig.start(dir.resolve("rig"));
            ConsulCluster cluster = rig[0].startConsulCluster(ClusterSpec.defaults().withName("lab-consul").withTotalNodes(nodes));
            Map<String, String> env = handlerEnvironment(cluster, LabEnvironment.createLockTable(rig[0], "raft-lifecycle-lab-lock"));
            HandlerRuntimes runtimes = new HandlerRuntimes(rig[0], Settings.from(env), handlerLog::println);
            demo[0] = new ConsulDemo(rig[0], cluster, runtimes, nodes);
            return "Consul " + Tools.consulVersion(Tools.consul()) + ", leader " + cluster.leader().orElseThrow().instanceId()
                    + ", " + cluster.raftNodeIds().size() + " voters";
        });
        try {
            if (up) {
                demo[0].steps(steps, out);
            }
        } finally {
            steps.run("tear down (every process the lab started)", () -> {
                if (rig[0] != null) {
                    rig[0].close();
                }
                handlerLog.close();
                return "stopped; handler log in " + dir.resolve("handlers.log");
            });
        }
        steps.info(String.format(Locale.ROOT, "lab: %d passed, %d failed", steps.passed(), steps.failed()));
        return steps.failed() == 0 ? 0 : 1;
    }

    private void steps(Steps steps, PrintStream out) {
        steps.info("");
        steps.info(status());
        steps.run("write a KV entry before any termination", () -> {
            Steps.require(cluster.kvPut("demo/before", "survives"), "KV write failed");
            return "kv/demo/before";
        });
        steps.run("terminate a follower", () -> terminate(cluster.follower()));
        steps.info("");
        steps.info(status());
        steps.run("terminate the leader", () -> terminate(cluster.leader().orElseThrow(() -> new AssertionError("no leader"))));
        steps.info("");
        steps.info(status());
        steps.run("lose a follower without a hook (EC2 state change)", this::loseWithoutHook);
        steps.info("");
        steps.info(status());
        steps.run("the KV entry written first is still readable", () -> {
            Steps.require(cluster.kvGet("demo/before").filter("survives"::equals).isPresent(), "KV entry lost");
            return "kv/demo/before = survives";
        });
        steps.run("the publisher reports a healthy cluster", () -> {
            HealthPublisherHandler publisher = runtimes.publisher();
            cluster.await("a publisher run that sees " + nodes + " healthy voters", Duration.ofSeconds(30), () -> {
                Map<String, Double> m = publisher.run(Duration.ofMinutes(1)).metrics();
                return m.getOrDefault(MetricName.LEADER_PRESENT.metricName(), 0.0) == 1.0
                        && m.getOrDefault(MetricName.STALE_PEERS.metricName(), -1.0) == 0.0
                        && m.getOrDefault(MetricName.RAFT_PEERS.metricName(), 0.0) == nodes
                        && m.getOrDefault(MetricName.HEALTHY_VOTERS.metricName(), 0.0) == nodes;
            });
            return "LeaderPresent 1, RaftPeers " + nodes + ", HealthyVoters " + nodes + ", StalePeers 0";
        });
        steps.run("no lifecycle action left pending", () -> {
            long pending = rig.recorder().openActions().size();
            Steps.require(pending == 0, pending + " pending");
            return "0 pending";
        });
    }

    /** The full path: terminate hook → handler → Auto Scaling's replacement → launch hook → handler. */
    private String terminate(ConsulNode node) {
        boolean wasLeader = cluster.leader().map(l -> l == node).orElse(false);
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(node.instanceId());
        Instant start = Instant.now();
        TerminatingHandler.Outcome outcome = runtimes.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);
        Duration removal = Duration.between(start, Instant.now());
        Steps.require("CONTINUE".equals(outcome.action()), "terminate hook " + outcome.action() + " (" + outcome.reason() + ": " + outcome.detail() + ")");
        Steps.require(outcome.peerRemoved(), "the peer was not removed");
        Steps.require(!wasLeader || outcome.steppedDown(), "leadership was not transferred first");
        Steps.require(!cluster.raftNodeIds().contains(node.instanceId()), node.instanceId() + " still in the Raft configuration");
        String replacement = cluster.finishTermination(node.instanceId());
        String launched = launch(node.groupName(), replacement);
        return String.format(Locale.ROOT, "%s: %s%s in %.1f s; %s", node.instanceId(), outcome.reason(),
                outcome.steppedDown() ? " after leadership transfer" : "", removal.toMillis() / 1000.0, launched);
    }

    private String launch(String group, String instanceId) {
        LifecycleRecorder.LifecycleAction launch = cluster.openLaunch(group, instanceId);
        Instant booted = Instant.now();
        cluster.startNode(instanceId);
        LaunchingHandler.Outcome outcome = runtimes.launching().handle(EventBridgeEvents.forAction(launch), LAMBDA_TIME);
        Steps.require("CONTINUE".equals(outcome.action()), "launch hook " + outcome.action() + " (" + outcome.reason() + ")");
        cluster.await("all " + nodes + " voters healthy", Duration.ofSeconds(60), () -> {
            JsonNode health = cluster.autopilot();
            long healthy = 0;
            for (JsonNode s : health.path("Servers")) {
                healthy += s.path("Healthy").asBoolean(false) && s.path("Voter").asBoolean(false) ? 1 : 0;
            }
            return health.path("Healthy").asBoolean(false) && healthy == nodes;
        });
        return String.format(Locale.ROOT, "replacement %s in service after %.1f s", instanceId,
                Duration.between(booted, Instant.now()).toMillis() / 1000.0);
    }

    private String loseWithoutHook() {
        ConsulNode victim = cluster.follower();
        victim.kill();
        Instant died = Instant.now();
        // The instance is gone (no hook runs for a failed host or a Spot loss); the group launches a replacement.
        String replacement = cluster.finishTermination(victim.instanceId());
        Ec2Event.StateChange event = Ec2EventParser.stateChange(EventBridgeEvents.stateChange(victim.instanceId(), "shutting-down"));
        ReconcilerHandler.EventOutcome outcome = runtimes.reconciler().stateChange(event, LAMBDA_TIME);
        Duration took = Duration.between(died, Instant.now());
        Steps.require("REMOVED".equals(outcome.action()), "state change " + outcome.action() + " (" + outcome.reason() + ": " + outcome.detail() + ")");
        Steps.require(!cluster.raftNodeIds().contains(victim.instanceId()), victim.instanceId() + " still in the Raft configuration");
        return String.format(Locale.ROOT, "%s: peer removed %.1f s after it died; %s", victim.instanceId(),
                took.toMillis() / 1000.0, launch(victim.groupName(), replacement));
    }

    /** One line per server: instance, group, address, Raft role, Serf status, autopilot's health. */
    private String status() {
        Map<String, String> members = cluster.members();
        Map<String, JsonNode> autopilot = new HashMap<>();
        cluster.autopilot().path("Servers").forEach(s -> autopilot.put(s.path("Name").asText(), s));
        String leader = cluster.leader().map(ConsulNode::instanceId).orElse("");
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "  %-21s %-28s %-15s %-9s %-7s %s", "INSTANCE", "GROUP", "ADDRESS", "RAFT",
                "SERF", "AUTOPILOT"));
        for (ConsulNode node : cluster.runningNodes()) {
            JsonNode a = autopilot.get(node.instanceId());
            lines.add(String.format(Locale.ROOT, "  %-21s %-28s %-15s %-9s %-7s %s", node.instanceId(), node.groupName(),
                    node.ip(), node.instanceId().equals(leader) ? "leader" : a != null && a.path("Voter").asBoolean() ? "voter" : "-",
                    members.getOrDefault(node.instanceId(), "none"),
                    a == null ? "-" : a.path("Healthy").asBoolean() ? "healthy" : "unhealthy"));
        }
        return String.join("\n", lines);
    }
}
