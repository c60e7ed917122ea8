package dev.raftlifecycle.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.decisions.ClusterInstance;
import dev.raftlifecycle.decisions.ClusterView;
import dev.raftlifecycle.decisions.HealthMetrics;
import dev.raftlifecycle.decisions.MetricValue;
import dev.raftlifecycle.decisions.NodeHealth;
import dev.raftlifecycle.decisions.RaftPeer;
import dev.raftlifecycle.decisions.Reachability;
import dev.raftlifecycle.decisions.StalePeers;
import dev.raftlifecycle.ports.MutationLock;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Scheduled (every minute): probes every instance of the cluster's groups and the cluster's Raft/autopilot
 * state, publishes the metrics in one PutMetricData call, then reconciles stale peers — a peer whose
 * instance EC2 reports terminated (or does not know) for longer than the grace period is removed under the
 * same safety rule and lock as the terminating handler; a peer whose instance runs, healthy or not, is never
 * removed. RECONCILE_MODE=report only reports. When the cluster cannot be reached at all it still publishes
 * LeaderPresent 0 and what the probes saw: silence must never look healthy. The input (the schedule's
 * event) is not used.
 */
public final class HealthPublisherHandler implements RequestStreamHandler {
    static final String NAME = "publisher";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LOCK_WAIT = Duration.ofSeconds(10);

    private final HandlerRuntime runtime;
    private final ClusterAccess access;
    private final PeerRemoval peerRemoval;

    public HealthPublisherHandler() {
        this(HandlerRuntime.fromEnvironment());
    }

    public HealthPublisherHandler(HandlerRuntime runtime) {
        runtime.settings().requireLockTable(); // the reconciler's lock and its first-seen marks live there
        this.runtime = runtime;
        this.access = new ClusterAccess(runtime);
        this.peerRemoval = new PeerRemoval(runtime, access);
    }

    /** The run's result; also its JSON output. */
    public record Outcome(String observedAt, String reachability, Map<String, Double> metrics, int putCalls,
                          List<String> removed, List<String> kept, long wallTimeMs, String detail) {
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        input.readAllBytes();
        Duration remaining = context == null ? Duration.ofMinutes(1) : Duration.ofMillis(context.getRemainingTimeInMillis());
        JSON.writeValue(output, run(remaining));
    }

    public Outcome run(Duration remaining) {
        Instant started = runtime.clock().instant();
        Deadline deadline = Deadline.after(runtime.clock(), remaining, runtime.settings().safetyMargin());
        ClusterAccess.Groups groups = access.groups();
        // Every instance the groups count (in service, pending, terminating), whatever EC2 says of it.
        List<ClusterInstance> probed = groups.instances().stream().filter(HealthPublisherHandler::counted).toList();
        Instant observedAt = runtime.clock().instant();
        ClusterAccess.Observation observation = access.observe(ClusterAccess.preferenceOrder(probed, Optional.empty()),
                deadline, () -> { });
        // preferenceOrder keeps only instances EC2 reports running; the others are unreachable by definition.
        Map<String, NodeHealth> health = new LinkedHashMap<>(observation.health());
        // Instances observe() did not probe (e.g. not running but still listed) count as unreachable.
        for (ClusterInstance instance : probed) {
            health.putIfAbsent(instance.instanceId(), NodeHealth.unreachable(instance.instanceId(),
                    instance.privateIp().orElse(""), "not probed"));
        }
        List<StalePeers.PeerFate> fates = observation.view().map(view -> classify(view, groups)).orElse(List.of());
        List<MetricValue> metrics = HealthMetrics.compute(new HealthMetrics.Snapshot(new ArrayList<>(health.values()),
                groups.instances(), observation.view(), fates, groups.expectedServers()));
        int calls = runtime.cloudWatch().put(runtime.settings().metricsNamespace(), runtime.settings().clusterName(),
                observedAt, metrics);

        Reconciliation reconciliation = Reconciliation.NONE;
        if (observation.reachability() == Reachability.OBSERVED) {
            reconciliation = reconcile(fates, observation, groups, deadline);
        }
        long wall = Duration.between(started, runtime.clock().instant()).toMillis();
        Map<String, Double> values = new LinkedHashMap<>();
        metrics.forEach(m -> values.put(m.name().metricName(), m.value()));
        DecisionLog.Line line = runtime.log().line(NAME, "published")
                .field("reachability", observation.reachability().name())
                .field("Reason", observation.reachability().name().toLowerCase())
                .field("metrics", values)
                .field("putCalls", calls)
                .field("removed", reconciliation.removed())
                .field("kept", reconciliation.kept())
                .field("wallTimeMs", wall)
                .field("detail", observation.detail() + reconciliation.detail());
        line.emit(runtime.clock().instant());
        return new Outcome(observedAt.toString(), observation.reachability().name(), values, calls, reconciliation.removed(),
                reconciliation.kept(), wall, observation.detail() + reconciliation.detail());
    }

    static boolean counted(ClusterInstance instance) {
        String state = instance.lifecycleState() == null ? "" : instance.lifecycleState();
        return state.equals("InService") || state.startsWith("Pending") || state.startsWith("Terminating");
    }

    private List<StalePeers.PeerFate> classify(ClusterView view, ClusterAccess.Groups groups) {
        // EC2 already described the groups' instances this run; ask it only about the other peers (usually none:
        // a peer whose instance has left its group).
        Map<String, String> states = new HashMap<>();
        groups.instances().stream().filter(i -> !"unknown".equals(i.ec2State()))
                .forEach(i -> states.put(i.instanceId(), i.ec2State()));
        List<String> others = view.peers().stream().map(RaftPeer::nodeId).filter(StalePeers::isInstanceId)
                .filter(id -> !states.containsKey(id)).toList();
        if (!others.isEmpty()) {
            runtime.ec2().describe(others).forEach((id, instance) -> states.put(id, instance.state()));
        }
        return StalePeers.classify(view.peers(), states);
    }

    record Reconciliation(List<String> removed, List<String> kept, String detail) {
        static final Reconciliation NONE = new Reconciliation(List.of(), List.of(), "");
    }

    private Reconciliation reconcile(List<StalePeers.PeerFate> fates, ClusterAccess.Observation observation,
                                     ClusterAccess.Groups groups, Deadline deadline) {
        MutationLock lock = runtime.lock();
        Instant now = runtime.clock().instant();
        Map<String, Instant> firstSeen = lock.staleSince();
        StalePeers.Plan plan = StalePeers.plan(fates, firstSeen, now, runtime.settings().staleGrace(),
                runtime.settings().reconcileRemoves(), observation.view().get());
        List<String> removed = new ArrayList<>();
        List<String> kept = new ArrayList<>(plan.kept().stream().map(k -> k.peer().nodeId() + ":" + k.reason()).toList());
        String detail = "";
        if (!plan.remove().isEmpty()) {
            String owner = NAME + ":" + UUID.randomUUID();
            Deadline lockDeadline = deadline.within(LOCK_WAIT);
            boolean locked = false;
            while (!locked && !lockDeadline.passed()) {
                locked = lock.tryAcquire(owner, runtime.clock().instant(), deadline.at());
                if (!locked) {
                    lockDeadline.sleep(Duration.ofMillis(300));
                }
            }
            if (!locked) {
                plan.remove().forEach(r -> kept.add(r.peer().nodeId() + ":lock-busy"));
                detail = "; another cluster change holds the lock, removal deferred to the next run";
            } else {
                try {
                    // Check again under the lock: the state read before may have changed.
                    ClusterAccess.Observation fresh = access.observe(ClusterAccess.preferenceOrder(groups.instances(),
                            Optional.empty()), deadline, () -> { });
                    if (fresh.reachability() == Reachability.OBSERVED) {
                        StalePeers.Plan confirmed = StalePeers.plan(classify(fresh.view().get(), groups), firstSeen,
                                runtime.clock().instant(), runtime.settings().staleGrace(),
                                runtime.settings().reconcileRemoves(), fresh.view().get());
                        for (StalePeers.Removal removal : confirmed.remove()) {
                            PeerRemoval.Result result = peerRemoval.remove(fresh.viaIp().get(),
                                    removal.peer().nodeId(), removal.stepDownFirst(), deadline, () -> { });
                            if (result.removed()) {
                                removed.add(removal.peer().nodeId());
                            } else {
                                kept.add(removal.peer().nodeId() + ":" + result.failure());
                            }
                        }
                    } else {
                        detail = "; re-check under the lock failed (" + fresh.reachability() + "), nothing removed";
                    }
                } finally {
                    lock.release(owner);
                }
            }
        }
        Map<String, Instant> marks = new HashMap<>(firstSeen);
        plan.markFirstSeen().forEach(id -> marks.putIfAbsent(id, now));
        plan.clearMarks().forEach(marks::remove);
        removed.forEach(marks::remove);
        if (!marks.equals(firstSeen)) {
            lock.saveStaleSince(marks, now);
        }
        for (String id : removed) {
            // Counted on its own line, so the Reason dimension says what it is (not the run's reachability).
            runtime.log().line(NAME, "stale-peer-removed").field("peer", id).field("Reason", "stale-peer")
                    .metric(MetricName.STALE_PEERS_REMOVED, 1).emit(runtime.clock().instant());
        }
        return new Reconciliation(List.copyOf(removed), List.copyOf(kept), detail);
    }
}
