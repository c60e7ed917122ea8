package dev.raftlifecycle.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.contract.VaultAccess;
import dev.raftlifecycle.decisions.ClusterSnapshot;
import dev.raftlifecycle.decisions.EventClaim;
import dev.raftlifecycle.decisions.EventScope;
import dev.raftlifecycle.decisions.RaftPeer;
import dev.raftlifecycle.decisions.Reachability;
import dev.raftlifecycle.decisions.Reason;
import dev.raftlifecycle.decisions.RetainPolicy;
import dev.raftlifecycle.decisions.ShadowVerdict;
import dev.raftlifecycle.decisions.TerminationDecision;
import dev.raftlifecycle.decisions.StalePeers;
import dev.raftlifecycle.events.Ec2Event;
import dev.raftlifecycle.events.Ec2EventParser;
import dev.raftlifecycle.observation.ClusterObserver;
import dev.raftlifecycle.ports.MutationLock;
import dev.raftlifecycle.time.Deadline;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Removes Raft peers whose instance is gone, two ways.
 *
 * <p>On an EC2 state change (shutting-down, terminated) of a cluster instance, at once: {@link #stateChange}.
 *
 * <p>On the schedule (every minute), as the backstop: a peer whose instance EC2 reports shutting down or terminated
 * is removed at once, one whose instance EC2 does not know only after the grace period (EC2 is eventually
 * consistent: a new instance can be missing from DescribeInstances for a while), under the same lock, safety rules
 * and fencing as a termination. Never removed here: a peer whose instance runs (healthy or not), one that still
 * leads, and one EC2 does not know whose own address still answers as that node (an instance EC2 reports shutting
 * down or terminated is not probed: it is leaving, and the quorum rule counts it dead). RECONCILE_MODE=report only reports. The plan is made on one snapshot and
 * made again on a fresh one under the lock before anything is removed.
 *
 * <p>No peer is removed while a group of the cluster does not retain an abandoned instance ({@link RetainPolicy}):
 * kept, reason retain-policy-missing. MODE=shadow: the same observation and plan, nothing removed and no lock taken;
 * each peer the active mode would remove is logged ("would") and counted (WouldRemove, Reason stale-peer), and kept
 * with reason shadow; a state change's decision as the terminating handler's shadow makes it.
 *
 * <p>Input: the schedule's event, an empty one or {@code {}}, or an EC2 state-change notification; anything else fails
 * the invocation naming the field, before any call.
 */
public final class ReconcilerHandler implements RequestStreamHandler {
    static final String NAME = dev.raftlifecycle.contract.HandlerNames.RECONCILER_NAME;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LOCK_WAIT = Duration.ofSeconds(10);
    /** A state change waits longer for the lock than the schedule: it is the fast path, the schedule only a backstop. */
    private static final Duration EVENT_LOCK_WAIT = Duration.ofSeconds(30);
    /** How long a state change keeps looking again at a removal refused for now (then the schedule takes over). */
    private static final Duration EVENT_PERSISTENCE = Duration.ofSeconds(60);

    private final SnapStartPriming priming;
    private final HandlerRuntime runtime;
    private final ClusterObserver observer;
    private final RemovalSteps steps;
    private final Departure departure;

    public ReconcilerHandler() {
        this(HandlerRuntime.fromEnvironment());
    }

    public ReconcilerHandler(HandlerRuntime runtime) {
        this.runtime = runtime;
        this.observer = runtime.observer(VaultAccess.MUTATING_ROLE);
        this.steps = runtime.removalSteps(observer);
        this.departure = new Departure(runtime, observer, steps);
        this.priming = SnapStartPriming.register(runtime, false);
    }

    /** The SnapStart priming hook (registered; run by Lambda before the snapshot, by the benchmark to measure it). */
    public SnapStartPriming priming() {
        return priming;
    }

    /** The run's result; also its JSON output. */
    public record Outcome(String reachability, List<String> stale, List<String> removed, List<String> kept,
                          long wallTimeMs, String detail) {
    }

    /**
     * What a state-change event did; also its JSON output.
     *
     * @param action REMOVED, KEPT (unsafe or unclear now: the schedule looks again), NONE (no peer to remove),
     *               IGNORED (not a final state, or not this cluster's instance)
     */
    public record EventOutcome(String instanceId, String state, String action, String reason, String peer,
                               boolean steppedDown, boolean peerRemoved, long wallTimeMs, String detail) {
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        byte[] bytes = input.readAllBytes();
        Duration remaining = context == null ? Duration.ofMinutes(1) : Duration.ofMillis(context.getRemainingTimeInMillis());
        JSON.writeValue(output, handle(bytes, remaining));
    }

    /** The schedule's event (or an empty one): {@link #run}; an EC2 state change: {@link #stateChange}. */
    public Object handle(byte[] input, Duration remaining) {
        Ec2Event event = Ec2EventIntake.parse(runtime, NAME, input,
                EnumSet.of(Ec2EventParser.Kind.SCHEDULED, Ec2EventParser.Kind.STATE_CHANGE));
        return event instanceof Ec2Event.StateChange change ? stateChange(change, remaining) : run(remaining);
    }

    /**
     * An instance EC2 reports shutting down or terminated: those states are final, so its peer goes at once, with no
     * grace period, through the same departure path as a termination (under the lock, the quorum rules, a step-down
     * first if it still leads). The event's {@code state} is only the trigger: EC2's own DescribeInstances must report
     * the instance shutting down or terminated (claim-not-confirmed otherwise, nothing changed). Not a final state,
     * another account's event or none, or not this cluster's instance: one line, nothing else. Left in place (unsafe
     * now, lock busy): the schedule looks again.
     */
    public EventOutcome stateChange(Ec2Event.StateChange event, Duration remaining) {
        Instant started = runtime.clock().instant();
        String id = event.instanceId();
        if (!event.isFinal()) {
            runtime.log().line(NAME, "ignored").field("instance", id).field("state", event.state())
                    .field(MetricName.REASON_DIMENSION, Reason.NOT_FINAL.label()).emit(runtime.clock().instant());
            return new EventOutcome(id, event.state(), "IGNORED", Reason.NOT_FINAL.label(), null, false, false,
                    millisSince(started), "state " + event.state() + " is not final: nothing to reconcile");
        }
        Ec2EventIntake.Subject subject = Ec2EventIntake.subject(runtime, NAME, event, id);
        if (subject.scope() != EventScope.Scope.OURS) {
            return new EventOutcome(id, event.state(), "IGNORED", subject.scope().reason().label(), null, false, false,
                    millisSince(started), "not this cluster's instance (" + subject.scope().reason().label() + ")");
        }
        if (!runtime.settings().reconcileRemoves()) {
            runtime.log().line(NAME, "state-change").field("instance", id).field("state", event.state())
                    .field("action", "KEPT").field(MetricName.REASON_DIMENSION, Reason.REPORT_ONLY.label())
                    .emit(runtime.clock().instant());
            return new EventOutcome(id, event.state(), "KEPT", Reason.REPORT_ONLY.label(), null, false, false,
                    millisSince(started), "RECONCILE_MODE=report: nothing removed");
        }
        Deadline deadline = Deadline.after(runtime.clock(), remaining, runtime.settings().safetyMargin());
        Departure.Counters counters = new Departure.Counters();
        String action;
        String reason;
        Optional<RaftPeer> peer = Optional.empty();
        boolean removed = false;
        String detail;
        ShadowVerdict would = null;
        try {
            if (runtime.settings().shadow()) {
                Departure.Shadowed look = departure.shadowEvent(new EventClaim.StateChange(id, event.state()), deadline,
                        deadline.within(EVENT_PERSISTENCE), counters);
                Departure.Outcome none = look.ended().orElse(null);
                TerminationDecision decision = look.decision().orElse(null);
                would = decision == null ? ShadowVerdict.plain("NONE", none.reason())
                        : ShadowVerdict.termination(decision, false);
                peer = decision == null ? Optional.empty() : decision.subjectPeer();
                action = "NONE";
                reason = decision == null ? none.reason() : Reason.SHADOW.label();
                detail = look.detail() + (decision == null ? "" : "; shadow mode: nothing changed (would: "
                        + would.action() + " " + would.reason() + (would.mutations().isEmpty() ? ""
                        : ", " + String.join(", ", would.mutations())) + ")");
            } else {
                Departure.Outcome outcome = departure.persist(NAME + ":" + id + ":" + UUID.randomUUID(),
                        new EventClaim.StateChange(id, event.state()), deadline, deadline.within(EVENT_PERSISTENCE),
                        EVENT_LOCK_WAIT, counters);
                peer = outcome.peer();
                removed = outcome.removed();
                reason = outcome.reason();
                detail = outcome.detail();
                action = switch (outcome.verdict()) {
                    case GO -> removed ? "REMOVED" : "NONE";
                    case NOT_CONFIRMED -> "NONE";
                    case KEEP, AWAIT_REPLACEMENT, ENDED -> "KEPT";
                };
            }
        } catch (RuntimeException e) {
            action = runtime.settings().shadow() ? "NONE" : "KEPT";
            reason = runtime.settings().shadow() ? Reason.SHADOW.label() : Reason.OBSERVATION_FAILED.label();
            detail = e.getClass().getSimpleName() + ": " + e.getMessage();
            would = runtime.settings().shadow() ? ShadowVerdict.plain("KEPT", Reason.OBSERVATION_FAILED.label()) : null;
        }
        // The stale marks are the schedule's: a peer removed here is no longer stale, and the next run clears its mark.
        long wall = millisSince(started);
        DecisionLog.Line line = runtime.log().line(NAME, "state-change")
                .field("instance", id)
                .field("state", event.state())
                .field("eventId", event.eventId())
                .field("peer", peer.map(RaftPeer::nodeId).orElse(null))
                .field("peerWasLeader", peer.map(RaftPeer::leader).orElse(null))
                .field("action", action)
                .field(MetricName.REASON_DIMENSION, reason)
                .field("matched", counters.matched)
                .field("steppedDown", counters.steppedDown)
                .field("peerRemoved", removed)
                .field("snapshots", counters.snapshots)
                .field("wallTimeMs", wall)
                .field("detail", detail);
        if (removed) {
            line.metric(MetricName.STALE_PEERS_REMOVED, 1);
        }
        if (Reason.CLAIM_NOT_CONFIRMED.label().equals(reason)) {
            line.metric(MetricName.CLAIMS_NOT_CONFIRMED, 1);
        }
        if (would != null) {
            ShadowLog.mark(line, would);
        }
        line.emit(runtime.clock().instant());
        if (would != null) {
            ShadowLog.count(runtime, NAME, "instance", id, would);
        }
        return new EventOutcome(id, event.state(), action, reason, peer.map(RaftPeer::nodeId).orElse(null),
                counters.steppedDown, removed, wall, detail);
    }

    private long millisSince(Instant started) {
        return Duration.between(started, runtime.clock().instant()).toMillis();
    }

    public Outcome run(Duration remaining) {
        Instant started = runtime.clock().instant();
        Deadline deadline = Deadline.after(runtime.clock(), remaining, runtime.settings().safetyMargin());
        ClusterSnapshot snapshot = observer.snapshot(Optional.empty(), deadline, () -> { });
        Reachability reachability = Reachability.of(snapshot);
        List<String> removed = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        List<String> stale = new ArrayList<>();
        List<ShadowVerdict> wouldRemove = new ArrayList<>();
        StringBuilder detail = new StringBuilder(Explain.snapshot(snapshot, runtime.settings().safetyRules()));
        if (reachability == Reachability.OBSERVED) {
            reconcile(snapshot, deadline, removed, kept, stale, detail, wouldRemove);
        } else {
            detail.append("; cluster not observed (").append(reachability).append("): nothing reconciled");
        }
        long wall = Duration.between(started, runtime.clock().instant()).toMillis();
        DecisionLog.Line line = runtime.log().line(NAME, "reconciled")
                .field("reachability", reachability.name())
                .field("stale", stale)
                .field("removed", removed)
                .field("kept", kept)
                .field("wallTimeMs", wall)
                .field("detail", detail.toString());
        if (runtime.settings().shadow()) {
            line.field(ShadowLog.MODE_FIELD, dev.raftlifecycle.contract.Defaults.MODE_SHADOW)
                    .field(ShadowLog.WOULD_FIELD, wouldRemove.stream().map(ShadowVerdict::fields).toList());
        }
        line.emit(runtime.clock().instant());
        // Each on its own line, Reason = the active mode's (stale-peer).
        wouldRemove.forEach(w -> ShadowLog.count(runtime, NAME, "peer", w.removePeer().orElseThrow(), w));
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
                           List<String> stale, StringBuilder detail, List<ShadowVerdict> wouldRemove) {
        Instant now = runtime.clock().instant();
        Map<String, Instant> firstSeen = runtime.records().staleSince();
        List<StalePeers.PeerFate> fates = StalePeers.classify(snapshot);
        fates.stream().filter(StalePeers.PeerFate::stale).forEach(f -> stale.add(f.peer().nodeId()));
        StalePeers.Plan plan = plan(snapshot, firstSeen, now);
        List<String> keptIds = new ArrayList<>();
        plan.kept().forEach(k -> keptIds.add(k.peer().nodeId() + ":" + k.reason().label()));
        if (!plan.remove().isEmpty() && runtime.settings().shadow()) {
            // Shadow mode: the active mode's plan on this snapshot, nothing removed, no lock taken (nothing to
            // serialize). A peer it would remove stays stale and is counted again at the next run.
            plan.remove().forEach(r -> {
                ShadowVerdict would = ShadowVerdict.stalePeer(r.peer());
                keptIds.add(r.peer().nodeId() + ":" + Reason.SHADOW.label());
                wouldRemove.add(would);
            });
            detail.append("; shadow mode: nothing removed (would remove ")
                    .append(String.join(", ", plan.remove().stream().map(r -> r.peer().nodeId()).toList())).append(")");
        } else if (!plan.remove().isEmpty()) {
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

    /** The plan on one snapshot, under the retain-policy gate (no removal while a group does not retain). */
    private StalePeers.Plan plan(ClusterSnapshot snapshot, Map<String, Instant> firstSeen, Instant now) {
        return RetainPolicy.gate(StalePeers.plan(StalePeers.classify(snapshot), firstSeen, now,
                runtime.settings().staleGrace(), runtime.settings().reconcileRemoves(), snapshot,
                runtime.settings().safetyRules()), snapshot);
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
