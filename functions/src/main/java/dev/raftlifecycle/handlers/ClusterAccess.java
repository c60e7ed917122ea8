package dev.raftlifecycle.handlers;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.decisions.AutopilotSettings;
import dev.raftlifecycle.decisions.AutopilotState;
import dev.raftlifecycle.decisions.ClusterInstance;
import dev.raftlifecycle.decisions.ClusterView;
import dev.raftlifecycle.decisions.NodeHealth;
import dev.raftlifecycle.decisions.RaftPeer;
import dev.raftlifecycle.decisions.Reachability;
import dev.raftlifecycle.ports.AutoScalingPort;
import dev.raftlifecycle.ports.Ec2Port;
import dev.raftlifecycle.ports.IamLoginRequest;
import dev.raftlifecycle.ports.VaultClient;
import dev.raftlifecycle.ports.VaultClient.VaultCallException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * How the handlers reach the cluster: the groups' instances from Auto Scaling and EC2, each node's
 * sys/health probed concurrently, an AWS IAM login (cached while valid), and the Raft configuration and
 * autopilot state read through the first usable node, with bounded retries and backoff.
 */
final class ClusterAccess {
    private final HandlerRuntime runtime;
    private final Settings settings;

    ClusterAccess(HandlerRuntime runtime) {
        this.runtime = runtime;
        this.settings = runtime.settings();
    }

    /** The cluster's groups and their instances, joined with EC2's state and private IP. */
    record Groups(List<AutoScalingPort.Group> groups, List<ClusterInstance> instances) {
        int desiredCapacity(String groupName) {
            return groups.stream().filter(g -> g.name().equals(groupName)).mapToInt(AutoScalingPort.Group::desiredCapacity)
                    .findFirst().orElse(-1);
        }

        int expectedServers() {
            return groups.stream().mapToInt(AutoScalingPort.Group::desiredCapacity).sum();
        }

        Optional<ClusterInstance> instance(String instanceId) {
            return instances.stream().filter(i -> i.instanceId().equals(instanceId)).findFirst();
        }
    }

    Groups groups() {
        List<AutoScalingPort.Group> groups = runtime.autoScaling().describe(settings.groupNames());
        List<String> ids = groups.stream().flatMap(g -> g.members().stream()).map(AutoScalingPort.Member::instanceId).toList();
        Map<String, Ec2Port.Instance> ec2 = ids.isEmpty() ? Map.of() : runtime.ec2().describe(ids);
        List<ClusterInstance> instances = new ArrayList<>();
        for (AutoScalingPort.Group group : groups) {
            for (AutoScalingPort.Member member : group.members()) {
                Ec2Port.Instance e = ec2.get(member.instanceId());
                instances.add(new ClusterInstance(member.instanceId(), group.name(), member.lifecycleState(),
                        e == null ? "unknown" : e.state(), e == null ? Optional.empty() : e.privateIp(),
                        member.availabilityZone()));
            }
        }
        return new Groups(groups, instances);
    }

    /** sys/health of each instance with a private IP, concurrently; each probe has its own timeout. */
    Map<String, NodeHealth> probe(List<ClusterInstance> instances) {
        Map<String, CompletableFuture<NodeHealth>> futures = new LinkedHashMap<>();
        for (ClusterInstance instance : instances) {
            if (instance.privateIp().isEmpty()) {
                futures.put(instance.instanceId(), CompletableFuture.completedFuture(
                        NodeHealth.unreachable(instance.instanceId(), "", "no private IP")));
                continue;
            }
            String ip = instance.privateIp().get();
            futures.put(instance.instanceId(), CompletableFuture.supplyAsync(
                    () -> runtime.vault().health(instance.instanceId(), ip), runtime.probes()));
        }
        Map<String, NodeHealth> out = new LinkedHashMap<>();
        futures.forEach((id, future) -> out.put(id, future.join()));
        return out;
    }

    /** What an observation produced. */
    record Observation(Reachability reachability, Optional<ClusterView> view, Map<String, NodeHealth> health,
                       Optional<String> viaIp, int attempts, String detail) {
    }

    /**
     * Observes the cluster through the given candidates (in order of preference). The cluster counts as
     * uninitialized (first deploy) only when every candidate answered and none is initialized: a node that does
     * not answer may well be an initialized member, and a replacement that has not joined yet answers 501.
     */
    Observation observe(List<ClusterInstance> candidates, Deadline deadline, Runnable whileWaiting) {
        Map<String, NodeHealth> health = Map.of();
        Reachability last = Reachability.UNREACHABLE;
        String detail = "no candidate instance";
        int attempt = 0;
        while (attempt < settings.clusterAttempts() && !deadline.passed()) {
            attempt++;
            health = probe(candidates);
            List<NodeHealth> answered = health.values().stream().filter(NodeHealth::answered).toList();
            boolean anyInitialized = answered.stream().anyMatch(NodeHealth::initialized);
            boolean allAnswered = answered.size() == health.size();
            if (!answered.isEmpty() && !anyInitialized && allAnswered) {
                return new Observation(Reachability.UNINITIALIZED, Optional.empty(), health, Optional.empty(), attempt,
                        answered.size() + " node(s) answered, none initialized");
            }
            List<NodeHealth> usable = health.values().stream().filter(NodeHealth::unsealed).toList();
            if (usable.isEmpty()) {
                boolean tls = health.values().stream().anyMatch(h -> h.state() == NodeHealth.State.TLS_FAILURE);
                last = tls ? Reachability.TLS_FAILURE : Reachability.UNREACHABLE;
                detail = describe(health);
            } else {
                for (NodeHealth node : usable) {
                    if (deadline.passed()) {
                        break; // each read is bounded by the request timeout; do not start one past the deadline
                    }
                    try {
                        ClusterView view = read(node.address());
                        if (!view.leaderPresent()) {
                            // This node may have lost touch with a leader the others still see: try the next one.
                            last = Reachability.NO_LEADER;
                            detail = "the Raft configuration read through " + node.address() + " has no leader";
                            continue;
                        }
                        return new Observation(Reachability.OBSERVED, Optional.of(view), health,
                                Optional.of(node.address()), attempt, "via " + node.address());
                    } catch (VaultCallException e) {
                        detail = e.getMessage();
                        switch (e.failure()) {
                            case DENIED -> {
                                return new Observation(Reachability.AUTH_FAILED, Optional.empty(), health,
                                        Optional.empty(), attempt, e.getMessage());
                            }
                            case NO_LEADER -> last = Reachability.NO_LEADER;
                            case TLS -> last = Reachability.TLS_FAILURE;
                            default -> last = Reachability.UNREACHABLE;
                        }
                        // A standby that cannot reach the leader answers "no leader" while the others may not:
                        // try the next node before waiting and retrying.
                    }
                }
            }
            if (attempt < settings.clusterAttempts()) {
                whileWaiting.run();
                long factor = 1L << Math.min(attempt - 1, 6);
                deadline.sleep(settings.retryBaseDelay().multipliedBy(factor));
            }
        }
        return new Observation(last, Optional.empty(), health, Optional.empty(), attempt, detail);
    }

    /** Logs in (or reuses the cached session) and reads configuration, autopilot state and settings. */
    ClusterView read(String ip) throws VaultCallException {
        VaultClient.Session session = session(ip);
        try {
            return readWith(ip, session);
        } catch (VaultCallException e) {
            if (e.failure() != VaultClient.Failure.DENIED) {
                throw e;
            }
            // The cached token may have been revoked or expired early: one fresh login, then give up.
            runtime.sessions().invalidate();
            return readWith(ip, session(ip));
        }
    }

    private ClusterView readWith(String ip, VaultClient.Session session) throws VaultCallException {
        List<RaftPeer> peers = runtime.vault().raftConfiguration(ip, session);
        AutopilotState autopilot = runtime.vault().autopilotState(ip, session);
        AutopilotSettings autopilotSettings = runtime.vault().autopilotSettings(ip, session);
        return new ClusterView(peers, autopilot, autopilotSettings);
    }

    VaultClient.Session session(String ip) throws VaultCallException {
        Optional<VaultClient.Session> cached = runtime.sessions().current(runtime.clock().instant());
        if (cached.isPresent()) {
            return cached.get();
        }
        IamLoginRequest.Payload payload = IamLoginRequest.sign(runtime.credentials().resolveCredentials(),
                settings.stsUrl(), settings.stsRegion(), settings.iamServerId(), runtime.clock());
        VaultClient.Session fresh = runtime.vault().login(ip, settings.authMount(), settings.authRole(), payload,
                runtime.clock().instant());
        runtime.sessions().store(fresh);
        return fresh;
    }

    /** Candidates in order: in service first, then pending, then anything else running; the excluded one last. */
    static List<ClusterInstance> preferenceOrder(List<ClusterInstance> instances, Optional<String> last) {
        Comparator<ClusterInstance> order = Comparator
                .comparing((ClusterInstance i) -> last.map(id -> id.equals(i.instanceId())).orElse(false))
                .thenComparing(i -> !"InService".equals(i.lifecycleState()))
                .thenComparing(i -> !i.lifecycleState().startsWith("Pending"))
                .thenComparing(ClusterInstance::instanceId);
        return instances.stream().filter(ClusterInstance::running).sorted(order).toList();
    }

    static String describe(Map<String, NodeHealth> health) {
        if (health.isEmpty()) {
            return "no instance to probe";
        }
        return health.values().stream().map(h -> h.instanceId() + "=" + h.state().name().toLowerCase()
                + (h.state() == NodeHealth.State.UNREACHABLE || h.state() == NodeHealth.State.TLS_FAILURE
                ? "(" + h.detail() + ")" : "")).collect(Collectors.joining(" "));
    }

}
