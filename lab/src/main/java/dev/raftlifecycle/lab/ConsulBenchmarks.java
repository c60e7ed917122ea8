package dev.raftlifecycle.lab;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.handlers.HandlerRuntime;
import dev.raftlifecycle.handlers.HealthPublisherHandler;
import dev.raftlifecycle.handlers.LaunchingHandler;
import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.ConsulCluster;
import dev.raftlifecycle.rig.ConsulNode;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.Rig;
import dev.raftlifecycle.rig.Tools;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.VaultNode;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * {@code scripts/bench consul}: the same handlers on a 3-server Consul cluster and, as the reference in the same run,
 * a 3-node Vault cluster; the two measured alternately on one rig (one moto, one machine load).
 */
final class ConsulBenchmarks {
    private static final int RUNS = 5;

    private ConsulBenchmarks() {
    }

    private static HandlerRuntimes runtime(Rig rig, Map<String, String> env) {
        return new HandlerRuntimes(rig, Settings.from(env), line -> { });
    }

    private static Instant completedAt(Rig rig, LifecycleRecorder.LifecycleAction action) {
        return rig.recorder().lifecycleCalls(action.token()).stream()
                .filter(c -> c.action().equals("CompleteLifecycleAction") && c.accepted()).findFirst().orElseThrow().at();
    }

    private static double ms(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e6;
    }

    static String section(Path out) throws Exception {
        try (Rig rig = Rig.start(out.resolve("consul-" + System.currentTimeMillis()))) {
            VaultCluster vault = rig.startCluster(ClusterSpec.defaults().withName("bench-vault"));
            ConsulCluster consul = rig.startConsulCluster(ClusterSpec.defaults().withName("bench-consul"));
            Map<String, String> vaultEnv = LabEnvironment.handlerEnvironment(vault, LabEnvironment.createLockTable(rig,
                    "bench-lock-" + UUID.randomUUID().toString().substring(0, 8)));
            Map<String, String> consulEnv = ConsulDemo.handlerEnvironment(consul, LabEnvironment.createLockTable(rig,
                    "bench-lock-" + UUID.randomUUID().toString().substring(0, 8)));
            HandlerRuntimes vaultRuntime = runtime(rig, vaultEnv);
            HandlerRuntimes consulRuntime = runtime(rig, consulEnv);
            TerminatingHandler vaultTerminating = vaultRuntime.terminating();
            TerminatingHandler consulTerminating = consulRuntime.terminating();
            HealthPublisherHandler vaultPublisher = vaultRuntime.publisher();
            HealthPublisherHandler consulPublisher = consulRuntime.publisher();
            LaunchingHandler vaultLaunching = vaultRuntime.launching();
            LaunchingHandler consulLaunching = consulRuntime.launching();

            // Terminating: follower removals, invocation → the completion the recording front received (warm handler,
            // one warm-up each). Each removal is followed by a replacement that joins (launching, below, times it).
            List<Double> vaultTerm = new ArrayList<>();
            List<Double> consulTerm = new ArrayList<>();
            List<Double> vaultLaunch = new ArrayList<>();
            List<Double> consulLaunch = new ArrayList<>();
            for (int i = 0; i <= RUNS; i++) {
                double[] v = vaultRound(rig, vault, vaultTerminating, vaultLaunching);
                double[] c = consulRound(rig, consul, consulTerminating, consulLaunching);
                if (i > 0) {
                    vaultTerm.add(v[0]);
                    vaultLaunch.add(v[1]);
                    consulTerm.add(c[0]);
                    consulLaunch.add(c[1]);
                }
            }
            List<Double> vaultPub = new ArrayList<>();
            List<Double> consulPub = new ArrayList<>();
            for (int i = 0; i <= 7; i++) {
                double v = time(() -> vaultPublisher.run(Duration.ofMinutes(1)));
                double c = time(() -> consulPublisher.run(Duration.ofMinutes(1)));
                if (i > 0) {
                    vaultPub.add(v);
                    consulPub.add(c);
                }
            }
            return String.format(Locale.ROOT, """
                    ## Consul beside Vault: the same handlers on each

                    `scripts/bench consul` — one rig, a 3-server Consul %s cluster (SYSTEM=consul) and, as the reference, a
                    3-node Vault cluster, measured alternately (warm handlers, one warm-up each). Terminating: follower removal,
                    invocation → `CompleteLifecycleAction` received. Launching: the replacement's server process started →
                    `CONTINUE` received (join, promotion, the rig's 3 s `server_stabilization_time`, the 1 s poll). Publisher: wall
                    time of one run (no canary on either: Consul has none yet). Machine: %s; Consul %s (rig build).

                    | Figure | Consul median | Vault median (reference) | Consul / Vault | Consul runs (ms) | Vault runs (ms) |
                    | --- | --- | --- | --- | --- | --- |
                    | terminating (follower removal) | **%.0f ms** | %.0f ms | %.2f× | %s | %s |
                    | launching (process start → CONTINUE) | **%.0f ms** | %.0f ms | %.2f× | %s | %s |
                    | publisher run | **%.0f ms** | %.0f ms | %.2f× | %s | %s |
                    """, Tools.consulVersion(Tools.consul()), Benchmarks.machine(), Tools.consulVersion(Tools.consul()),
                    Benchmarks.median(consulTerm), Benchmarks.median(vaultTerm),
                    Benchmarks.median(consulTerm) / Benchmarks.median(vaultTerm), list(consulTerm), list(vaultTerm),
                    Benchmarks.median(consulLaunch), Benchmarks.median(vaultLaunch),
                    Benchmarks.median(consulLaunch) / Benchmarks.median(vaultLaunch), list(consulLaunch), list(vaultLaunch),
                    Benchmarks.median(consulPub), Benchmarks.median(vaultPub),
                    Benchmarks.median(consulPub) / Benchmarks.median(vaultPub), list(consulPub), list(vaultPub));
        }
    }

    private static double time(Supplier<?> call) {
        Instant start = Instant.now();
        call.get();
        return ms(start, Instant.now());
    }

    private static String list(List<Double> values) {
        return String.join(", ", values.stream().map(v -> String.format(Locale.ROOT, "%.0f", v)).toList());
    }

    /** What a round needs of a cluster, whichever system it runs; {@code follower} gives {instance id, group}. */
    private record Target(Supplier<String[]> follower,
                          java.util.function.Function<String, LifecycleRecorder.LifecycleAction> openTermination,
                          java.util.function.UnaryOperator<String> finishTermination,
                          java.util.function.BiFunction<String, String, LifecycleRecorder.LifecycleAction> openLaunch,
                          java.util.function.Consumer<String> startNode) {
    }

    private static double[] vaultRound(Rig rig, VaultCluster cluster, TerminatingHandler terminating, LaunchingHandler launching) {
        return round(rig, new Target(() -> {
            VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
            VaultNode f = cluster.runningNodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
            return new String[] {f.instanceId(), f.groupName()};
        }, cluster::openTermination, cluster::finishTermination, cluster::openLaunch, cluster::startNode), terminating, launching);
    }

    private static double[] consulRound(Rig rig, ConsulCluster cluster, TerminatingHandler terminating, LaunchingHandler launching) {
        return round(rig, new Target(() -> {
            ConsulNode f = cluster.follower();
            return new String[] {f.instanceId(), f.groupName()};
        },
                cluster::openTermination, cluster::finishTermination, cluster::openLaunch, cluster::startNode),
                terminating, launching);
    }

    /** One follower removal and its replacement's launch: {removal ms, launch ms}. */
    private static double[] round(Rig rig, Target cluster, TerminatingHandler terminating, LaunchingHandler launching) {
        String[] victim = cluster.follower().get();
        LifecycleRecorder.LifecycleAction action = cluster.openTermination().apply(victim[0]);
        Instant start = Instant.now();
        TerminatingHandler.Outcome outcome = terminating.handle(EventBridgeEvents.forAction(action), Duration.ofMinutes(5));
        if (!outcome.peerRemoved()) {
            throw new IllegalStateException("benchmark removal failed: " + outcome);
        }
        double removal = ms(start, completedAt(rig, action));
        String replacement = cluster.finishTermination().apply(victim[0]);
        LifecycleRecorder.LifecycleAction launch = cluster.openLaunch().apply(victim[1], replacement);
        Instant booted = Instant.now();
        cluster.startNode().accept(replacement);
        LaunchingHandler.Outcome launched = launching.handle(EventBridgeEvents.forAction(launch), Duration.ofMinutes(5));
        if (!"CONTINUE".equals(launched.action())) {
            throw new IllegalStateException("benchmark launch failed: " + launched);
        }
        return new double[] {removal, ms(booted, completedAt(rig, launch))};
    }
}
