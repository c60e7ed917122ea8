package dev.raftlifecycle.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.contract.VaultAccess;
import dev.raftlifecycle.decisions.ClusterSnapshot;
import dev.raftlifecycle.decisions.Reachability;
import dev.raftlifecycle.decisions.Reason;
import dev.raftlifecycle.decisions.StalePeers;
import dev.raftlifecycle.observation.ClusterObserver;
import dev.raftlifecycle.ports.MutationLock;
import dev.raftlifecycle.time.Deadline;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Scheduled (every minute): removes Raft peers whose instance is gone. A peer whose instance EC2 reports terminated
 * (or does not know) for longer than the grace period is removed under the same lock, the same safety rules and the
 * same fencing as a termination; a peer whose instance runs, healthy or not, or whose own address still answers, is
 * never removed. RECONCILE_MODE=report only reports. The plan is made on one snapshot and made again on a fresh one
 * under the lock before anything is removed.
 */
public final class ReconcilerHandler implements RequestStreamHandler {
    static final String NAME = "reconciler";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LOCK_WAIT = Duration.ofSeconds(10);

    private final HandlerRuntime runtime;
    private final ClusterObserver observer;
    private final RemovalSteps steps;

    public ReconcilerHandler() {
        this(HandlerRuntime.fromEnvironment());
    }

    public ReconcilerHandler(HandlerRuntime runtime) {
        this.runtime = runtime;
        this.observer = runtime.observer(VaultAccess.MUTATING_ROLE);
        this.steps = runtime.removalSteps(observer);
    }

    /** The run's result; also its JSON output. */
    public record Outcome(String reachability, List<String> stale, List<String> removed, List<String> kept,
                          long wallTimeMs, String detail) {
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
        ClusterSnapshot snapshot = observer.snapshot(Optional.empty(), deadline, () -> { });
        Reachability reachability = Reachability.of(snapshot);
        List<String> removed = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        List<String> stale = new ArrayList<>();
        StringBuilder detail = new StringBuilder(Explain.snapshot(snapshot, runtime.settings().safetyRules()));
        if (reachability == Reachability.OBSERVED) {
            reconcile(snapshot, deadline, removed, kept, stale, detail);
        } else {
            detail.append("; cluster not observed (").append(reachability).append("): nothing reconciled");
        }
        long wall = Duration.between(started, runtime.clock().instant()).toMillis();
        runtime.log().line(NAME, "reconciled")
                .field("reachability", reachability.name())
                .field("stale", stale)
                .field("removed", removed)
                .field("kept", kept)
                .field("wallTimeMs", wall)
                .field("detail", detail.toString())
                .emit(runtime.clock().instant());
        for (String id : removed) {
            // Counted on its own line, so the Reason dimension says what it is.
            runtime.log().line(NAME, "stale-peer-removed").field("peer", id)
                    .field(MetricName.REASON_DIMENSION, Reason.STALE_PEER.label())
                    .metric(MetricName.STALE_PEERS_REMOVED, 1).emit(runtime.clock().instant());
        }
        return new Outcome(reachability.name(), List.copyOf(stale), List.copyOf(removed), List.copyOf(kept), wall,
                detail.toString());
    }

    private void reconcile(ClusterSnapshot snapshot, Deadline deadline, List<String> removed, List<String> kept,
                           List<String> stale, StringBuilder detail) {
        Instant now = runtime.clock().instant();
        Map<String, Instant> firstSeen = runtime.records().staleSince();
        List<StalePeers.PeerFate> fates = StalePeers.classify(snapshot);
        fates.stream().filter(StalePeers.PeerFate::stale).forEach(f -> stale.add(f.peer().nodeId()));
        StalePeers.Plan plan = plan(snapshot, firstSeen, now);
        List<String> keptIds = new ArrayList<>();
        plan.kept().forEach(k -> keptIds.add(k.peer().nodeId() + ":" + k.reason().label()));
        if (!plan.remove().isEmpty()) {
            MutationLock lock = runtime.lock();
            String owner = NAME + ":" + UUID.randomUUID();
            Optional<MutationLock.Lease> lease = lock.acquire(owner, deadline, deadline.within(LOCK_WAIT), () -> { });
            if (lease.isEmpty()) {
                plan.remove().forEach(r -> keptIds.add(r.peer().nodeId() + ":" + Reason.LOCK_BUSY.label()));
                detail.append("; another cluster change holds the lock, removal deferred to the next run");
            } else {
                try {
                    removeUnderLock(lease.get(), firstSeen, deadline, removed, keptIds, detail);
                } finally {
                    lock.release(lease.get());
                }
            }
        }
        kept.addAll(keptIds);
        Map<String, Instant> marks = new HashMap<>(firstSeen);
        plan.markFirstSeen().forEach(id -> marks.putIfAbsent(id, now));
        plan.clearMarks().forEach(marks::remove);
        removed.forEach(marks::remove);
        if (!marks.equals(firstSeen)) {
            runtime.records().saveStaleSince(marks, now);
        }
    }

    private StalePeers.Plan plan(ClusterSnapshot snapshot, Map<String, Instant> firstSeen, Instant now) {
        return StalePeers.plan(StalePeers.classify(snapshot), firstSeen, now, runtime.settings().staleGrace(),
                runtime.settings().reconcileRemoves(), snapshot, runtime.settings().safetyRules());
    }

    /** Under the lock: the plan again on a fresh snapshot, then each removal, fenced by the lease. */
    private void removeUnderLock(MutationLock.Lease lease, Map<String, Instant> firstSeen, Deadline deadline,
                                 List<String> removed, List<String> kept, StringBuilder detail) {
        ClusterSnapshot fresh = observer.snapshot(Optional.empty(), deadline, () -> { });
        if (Reachability.of(fresh) != Reachability.OBSERVED) {
            detail.append("; re-check under the lock failed (").append(Reachability.of(fresh)).append("), nothing removed");
            return;
        }
        StalePeers.Plan confirmed = plan(fresh, firstSeen, runtime.clock().instant());
        for (StalePeers.Removal removal : confirmed.remove()) {
            String id = removal.peer().nodeId();
            if (!lease.covers(runtime.clock().instant(), steps.removalBudget())) {
                kept.add(id + ":" + Reason.LEASE_TOO_SHORT.label());
                continue;
            }
            RemovalSteps.Removal result = steps.remove(fresh.via().orElseThrow(), id, fresh.instances(), deadline, () -> { });
            detail.append("; ").append(result.detail());
            if (result.outcome().removed()) {
                removed.add(id);
            } else {
                kept.add(id + ":" + result.outcome().failureReason().label());
            }
        }
    }
}
