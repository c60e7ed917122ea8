package dev.raftlifecycle.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.contract.VaultAccess;
import dev.raftlifecycle.decisions.EventClaim;
import dev.raftlifecycle.decisions.EventScope;
import dev.raftlifecycle.decisions.RaftPeer;
import dev.raftlifecycle.decisions.Reason;
import dev.raftlifecycle.decisions.ShadowVerdict;
import dev.raftlifecycle.events.Ec2Event;
import dev.raftlifecycle.events.Ec2EventParser;
import dev.raftlifecycle.observation.ClusterObserver;
import dev.raftlifecycle.time.Deadline;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Optional;
import java.util.UUID;

/**
 * EC2 Spot Instance Interruption Warning for a cluster instance (two minutes' notice) → remove its peer before the
 * instance dies, stepping the leader down first, when that is safe: the terminating handler's decision
 * ({@link Departure}), another trigger, no lifecycle action to complete and no wait for a replacement. When it is not
 * safe (quorum would break, the voter floor, no leader, anything unclear) nothing is changed: one decision line and
 * the InterruptionPeerKept count. The instance dies anyway; removing a healthy voter the cluster cannot spare would
 * only make that worse, and once it is dead its state change lets the reconciler remove the dead peer.
 *
 * <p>EC2 Instance Rebalance Recommendation: counted and logged only, unless REBALANCE_ACTION=interruption makes it
 * an interruption warning — and then only for a group with Capacity Rebalancing on (Auto Scaling replaces and
 * terminates the instance itself; without it the instance may run on for good, outside Raft).
 *
 * <p>A refusal that may pass (quorum short because another dead voter is about to be reconciled, an election, the
 * lock busy) is looked at again every few seconds until shortly before the interruption (the event's time plus two
 * minutes). The voter floor does not apply: it keeps a healthy voter until its replacement joins, and this one goes
 * anyway; quorum does. RECONCILE_MODE=report removes nothing here either.
 *
 * <p>MODE=shadow: the same confirmation and decision, nothing changed; the decision line's {@code "would"} says what
 * the active mode would have done (WouldRemove/WouldStepDown on its own line).
 *
 * <p>Input: a malformed event or another detail-type fails the invocation, naming the field (no call). Another
 * account's event or an instance in none of this cluster's groups: one line, no Vault call. A warning for an
 * instance EC2 already reports shutting down or terminated (already-gone; its state change reconciles it) or for a
 * stop/hibernate interruption (not-a-termination): one line, nothing changed. A duplicate, or a warning after the
 * instance's terminate lifecycle action removed the peer, finds no peer (not-a-member) and changes nothing.
 */
public final class InterruptionHandler implements RequestStreamHandler {
    static final String NAME = dev.raftlifecycle.contract.HandlerNames.INTERRUPTION_NAME;
    /** How long to wait for the lock: well inside the two minutes' notice. */
    static final Duration LOCK_WAIT = Duration.ofSeconds(30);
    /** EC2's notice: the instance is interrupted two minutes after the warning's time. */
    static final Duration SPOT_NOTICE = Duration.ofMinutes(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SnapStartPriming priming;
    private final HandlerRuntime runtime;
    private final Departure departure;

    public InterruptionHandler() {
        this(HandlerRuntime.fromEnvironment());
    }

    public InterruptionHandler(HandlerRuntime runtime) {
        this.runtime = runtime;
        ClusterObserver observer = runtime.observer(VaultAccess.MUTATING_ROLE, true);
        this.departure = new Departure(runtime, observer, runtime.removalSteps(observer));
        this.priming = SnapStartPriming.register(runtime, false);
    }

    /** The SnapStart priming hook (registered; run by Lambda before the snapshot, by the benchmark to measure it). */
    public SnapStartPriming priming() {
        return priming;
    }

    /**
     * What the invocation did; also its JSON output.
     *
     * @param action REMOVED (the peer is gone), KEPT (left in place: unsafe or unclear), NONE (nothing to do),
     *               COUNTED (a rebalance recommendation), IGNORED (not this cluster's)
     */
    public record Outcome(String instanceId, String event, String action, String reason, String peer, boolean steppedDown,
                          boolean peerRemoved, long latencyMs, String detail) {
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        Duration remaining = context == null ? Duration.ofMinutes(2) : Duration.ofMillis(context.getRemainingTimeInMillis());
        JSON.writeValue(output, handle(input.readAllBytes(), remaining));
    }

    public Outcome handle(byte[] input, Duration remaining) {
        Instant started = runtime.clock().instant();
        Ec2Event event = Ec2EventIntake.parse(runtime, NAME, input,
                EnumSet.of(Ec2EventParser.Kind.SPOT_INTERRUPTION, Ec2EventParser.Kind.REBALANCE));
        String id = event.subject().orElseThrow();
        String kind = event instanceof Ec2Event.SpotInterruption ? "spot-interruption" : "rebalance-recommendation";
        Ec2EventIntake.Subject subject = Ec2EventIntake.subject(runtime, NAME, event, id);
        if (subject.scope() != EventScope.Scope.OURS) {
            return new Outcome(id, kind, "IGNORED", subject.scope().reason().label(), null, false, false,
                    millisSince(started), "not this cluster's instance (" + subject.scope().reason().label() + ")");
        }
        Result result;
        Optional<Reason> rebalanceRefusal = event instanceof Ec2Event.RebalanceRecommendation
                ? EventScope.rebalanceRefusal(runtime.settings().rebalanceAsInterruption(), capacityRebalance(subject))
                : Optional.empty();
        if (rebalanceRefusal.isPresent()) {
            result = Result.of("COUNTED", rebalanceRefusal.get().label(), Optional.empty(), false,
                    rebalanceRefusal.get() == Reason.REBALANCE_COUNTED
                            ? "a rebalance recommendation: counted only (REBALANCE_ACTION=count)"
                            : "a rebalance recommendation: counted only, the instance's group does not replace at-risk"
                                    + " instances itself (Capacity Rebalancing is off), so its peer stays");
        } else if (event instanceof Ec2Event.SpotInterruption spot && !spot.terminates()) {
            result = Result.of("NONE", Reason.NOT_A_TERMINATION.label(), Optional.empty(), false,
                    "the interruption will " + spot.instanceAction() + " the instance, not terminate it: its peer stays");
        } else if (EventScope.gone(subject.ec2State())) {
            result = Result.of("NONE", Reason.ALREADY_GONE.label(), Optional.empty(), false, "EC2 reports the instance "
                    + subject.ec2State() + ": its state change reconciles the peer");
        } else if (!runtime.settings().reconcileRemoves()) {
            result = Result.of("KEPT", Reason.REPORT_ONLY.label(), Optional.empty(), false,
                    "RECONCILE_MODE=report: nothing removed");
        } else {
            Instant interruptedAt = event instanceof Ec2Event.SpotInterruption spot
                    ? spot.time().orElse(started).plus(SPOT_NOTICE) : started.plus(SPOT_NOTICE);
            EventClaim claim = event instanceof Ec2Event.SpotInterruption ? new EventClaim.SpotInterruption(id)
                    : new EventClaim.SpotAtRisk(id);
            Deadline deadline = Deadline.after(runtime.clock(), remaining, runtime.settings().safetyMargin());
            result = runtime.settings().shadow() ? shadow(claim, deadline, interruptedAt)
                    : depart(claim, deadline, interruptedAt);
        }
        long latency = millisSince(started);
        DecisionLog.Line line = runtime.log().line(NAME, "decision")
                .field("instance", id)
                .field("trigger", kind)
                .field("eventId", event.eventId())
                .field("peer", result.peer.map(RaftPeer::nodeId).orElse(null))
                .field("peerWasLeader", result.peer.map(RaftPeer::leader).orElse(null))
                .field("action", result.action)
                .field(MetricName.REASON_DIMENSION, result.reason)
                .field("matched", result.counters.matched)
                .field("steppedDown", result.counters.steppedDown)
                .field("peerRemoved", result.removed)
                .field("snapshots", result.counters.snapshots)
                .field("latencyMs", latency)
                .field("detail", result.detail)
                .metric(MetricName.DECISION_LATENCY_MS, latency);
        if (result.would != null) {
            ShadowLog.mark(line, result.would);
        }
        line.metric(event instanceof Ec2Event.SpotInterruption ? MetricName.INTERRUPTION_WARNINGS
                : MetricName.REBALANCE_RECOMMENDATIONS, 1);
        if (result.removed) {
            line.metric(MetricName.PEER_REMOVED, 1);
        }
        if (result.action.equals("KEPT")) {
            line.metric(MetricName.INTERRUPTION_PEER_KEPT, 1);
        }
        if (Reason.CLAIM_NOT_CONFIRMED.label().equals(result.reason)) {
            line.metric(MetricName.CLAIMS_NOT_CONFIRMED, 1);
        }
        line.emit(runtime.clock().instant());
        if (result.would != null) {
            ShadowLog.count(runtime, NAME, "instance", id, result.would);
        }
        return new Outcome(id, kind, result.action, result.reason, result.peer.map(RaftPeer::nodeId).orElse(null),
                result.counters.steppedDown, result.removed, latency, result.detail);
    }

    /** Whether the instance's group has Capacity Rebalancing on (asked only when a rebalance would act on it). */
    private boolean capacityRebalance(Ec2EventIntake.Subject subject) {
        if (!runtime.settings().rebalanceAsInterruption()) {
            return false;
        }
        Optional<String> group = subject.membership().flatMap(dev.raftlifecycle.ports.Ec2Port.Membership::groupName)
                .filter(runtime.settings()::ownsGroup);
        return group.map(g -> runtime.autoScaling().describe(java.util.List.of(g)).stream()
                .anyMatch(dev.raftlifecycle.ports.AutoScalingPort.Group::capacityRebalance)).orElse(false);
    }

    private long millisSince(Instant started) {
        return Duration.between(started, runtime.clock().instant()).toMillis();
    }

    /**
     * The departure path until the interruption: remove if safe now, else look again every few seconds (a dead voter
     * about to be reconciled, an election) until shortly before the instance is taken; never wait for the floor.
     */
    private Result depart(EventClaim claim, Deadline deadline, Instant interruptedAt) {
        Departure.Counters counters = new Departure.Counters();
        Result result;
        try {
            Departure.Outcome outcome = departure.persist(NAME + ":" + claim.instanceId() + ":" + UUID.randomUUID(), claim,
                    deadline, deadline.until(interruptedAt.minus(runtime.settings().safetyMargin())), LOCK_WAIT, counters);
            result = switch (outcome.verdict()) {
                case GO -> outcome.removed() ? Result.of("REMOVED", outcome.reason(), outcome.peer(), true, outcome.detail())
                        : Result.of("NONE", outcome.reason(), outcome.peer(), false, outcome.detail());
                case NOT_CONFIRMED -> Result.of("NONE", outcome.reason(), outcome.peer(), false, outcome.detail());
                case KEEP, AWAIT_REPLACEMENT, ENDED -> Result.of("KEPT", outcome.reason(), outcome.peer(), false,
                        outcome.detail() + "; the peer stays until the instance is gone");
            };
        } catch (RuntimeException e) {
            // An AWS failure while locking or observing (the mutations report theirs as results): nothing more changed.
            result = Result.of("KEPT", Reason.OBSERVATION_FAILED.label(), Optional.empty(), false,
                    e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        result.counters = counters;
        return result;
    }

    /**
     * MODE=shadow: AWS's confirmation of the claim, then one look and the active mode's decision on it
     * ({@link Departure#shadowEvent}); nothing removed, no step-down. Action NONE, reason shadow; the active mode's
     * verdict in {@code would} (REMOVED, KEPT or NONE). The active mode's later looks at a refusal that may pass are
     * not made.
     */
    private Result shadow(EventClaim claim, Deadline deadline, Instant interruptedAt) {
        Departure.Counters counters = new Departure.Counters();
        Result result;
        try {
            Departure.Shadowed look = departure.shadowEvent(claim, deadline,
                    deadline.until(interruptedAt.minus(runtime.settings().safetyMargin())), counters);
            if (look.decision().isEmpty()) {
                // AWS does not confirm the claim: the active mode changes nothing either.
                Departure.Outcome none = look.ended().orElseThrow();
                result = Result.of("NONE", none.reason(), Optional.empty(), false, none.detail());
                result.would = ShadowVerdict.plain("NONE", none.reason());
            } else {
                ShadowVerdict would = ShadowVerdict.termination(look.decision().get(), false);
                result = Result.of("NONE", Reason.SHADOW.label(), look.decision().get().subjectPeer(), false,
                        look.detail() + "; shadow mode: nothing changed (would: " + would.action() + " " + would.reason()
                                + (would.mutations().isEmpty() ? "" : ", " + String.join(", ", would.mutations())) + ")");
                result.would = would;
            }
        } catch (RuntimeException e) {
            result = Result.of("NONE", Reason.SHADOW.label(), Optional.empty(), false,
                    e.getClass().getSimpleName() + ": " + e.getMessage() + "; shadow mode: nothing changed");
            result.would = ShadowVerdict.plain("KEPT", Reason.OBSERVATION_FAILED.label());
        }
        result.counters = counters;
        return result;
    }

    private static final class Result {
        final String action;
        final String reason;
        final Optional<RaftPeer> peer;
        final boolean removed;
        final String detail;
        Departure.Counters counters = new Departure.Counters();
        /** Shadow mode: what the active mode would have done (null in the active mode). */
        ShadowVerdict would;

        private Result(String action, String reason, Optional<RaftPeer> peer, boolean removed, String detail) {
            this.action = action;
            this.reason = reason;
            this.peer = peer;
            this.removed = removed;
            this.detail = detail;
        }

        static Result of(String action, String reason, Optional<RaftPeer> peer, boolean removed, String detail) {
            return new Result(action, reason, peer, removed, detail);
        }

    }
}
