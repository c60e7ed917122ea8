package dev.raftlifecycle.lab;

import dev.raftlifecycle.rig.TcpProxy;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.VaultNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The lab's stand-in for the internal Network Load Balancer: TCP passthrough on one loopback port to the nodes its
 * health check finds healthy, checked like the CDK app's target group does it — {@code sys/health} (standbys count as
 * healthy), every {@code interval}, a node turning healthy after {@code healthyThreshold} passing checks in a row and
 * unhealthy after {@code unhealthyThreshold} failing ones. New connections go round-robin to the healthy nodes; open
 * connections are left alone. TLS ends at Vault, so clients verify the servers' certificate by name
 * (VAULT_TLS_SERVER_NAME), exactly as through the real load balancer.
 */
final class LoadBalancerStandIn implements AutoCloseable {
    /** The target group's settings (infra VaultLoadBalancer): 10 s interval, 2 checks either way. */
    static final Duration NLB_INTERVAL = Duration.ofSeconds(dev.raftlifecycle.contract.TargetHealth.INTERVAL_SECONDS);
    static final int NLB_THRESHOLD = dev.raftlifecycle.contract.TargetHealth.HEALTHY_THRESHOLD;

    private final VaultCluster cluster;
    private final int healthyThreshold;
    private final int unhealthyThreshold;
    private final Map<String, Integer> streak = new ConcurrentHashMap<>();
    private final Map<String, Boolean> healthy = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger();
    private final ScheduledExecutorService checks = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lab-lb-health");
        t.setDaemon(true);
        return t;
    });
    private final TcpProxy proxy;

    LoadBalancerStandIn(VaultCluster cluster, Duration interval, int healthyThreshold, int unhealthyThreshold)
            throws IOException {
        this.cluster = cluster;
        this.healthyThreshold = healthyThreshold;
        this.unhealthyThreshold = unhealthyThreshold;
        // Registered nodes start healthy (as targets that passed their initial checks).
        cluster.runningNodes().forEach(n -> healthy.put(n.instanceId(), true));
        this.proxy = TcpProxy.start("127.0.0.1", 0, "lab-lb", this::pick);
        checks.scheduleWithFixedDelay(this::check, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    int port() {
        return proxy.port();
    }

    /** The instance ids the stand-in currently sends new connections to. */
    List<String> healthyTargets() {
        return healthy.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).sorted().toList();
    }

    private void check() {
        for (VaultNode node : List.copyOf(cluster.nodes())) {
            int code = node.running() ? cluster.healthCode(node) : -1;
            boolean pass = passes(code);
            String id = node.instanceId();
            boolean was = healthy.getOrDefault(id, false);
            int run = pass == was ? 0 : streak.merge(id, 1, Integer::sum);
            if (pass == was) {
                streak.put(id, 0);
            } else if (run >= (pass ? healthyThreshold : unhealthyThreshold)) {
                healthy.put(id, pass);
                streak.put(id, 0);
            }
        }
        healthy.keySet().removeIf(id -> cluster.nodes().stream().noneMatch(n -> n.instanceId().equals(id)));
    }

    /** The target group's check (see {@link dev.raftlifecycle.contract.TargetHealth#passes}). */
    static boolean passes(int healthCode) {
        return dev.raftlifecycle.contract.TargetHealth.passes(healthCode);
    }

    private Optional<InetSocketAddress> pick() {
        List<VaultNode> targets = new ArrayList<>();
        for (VaultNode node : cluster.nodes()) {
            if (healthy.getOrDefault(node.instanceId(), false)) {
                targets.add(node);
            }
        }
        if (targets.isEmpty()) {
            return Optional.empty();
        }
        VaultNode node = targets.get(Math.floorMod(next.getAndIncrement(), targets.size()));
        return Optional.of(new InetSocketAddress(node.ip(), cluster.apiPort()));
    }

    @Override
    public void close() {
        checks.shutdownNow();
        proxy.close();
    }
}
