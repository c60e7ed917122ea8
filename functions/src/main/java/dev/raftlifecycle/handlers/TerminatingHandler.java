package dev.raftlifecycle.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.contract.VaultAccess;
import dev.raftlifecycle.decisions.EventClaim;
import dev.raftlifecycle.decisions.RaftPeer;
import dev.raftlifecycle.decisions.Reason;
import dev.raftlifecycle.decisions.ShadowVerdict;
import dev.raftlifecycle.decisions.TerminationDecision;
import dev.raftlifecycle.decisions.StepDownQuiet;
import dev.raftlifecycle.events.LifecycleEvent;
import dev.raftlifecycle.observation.ClusterObserver;
import dev.raftlifecycle.ports.AutoScalingPort;
import dev.raftlifecycle.ports.MutationLock;
import dev.raftlifecycle.time.Deadline;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * EC2_INSTANCE_TERMINATING → remove the instance's peer from Raft when that is safe (stepping the leader down first),
 * confirm it is gone, and let the instance go (CONTINUE). When it is unsafe or impossible to tell — no leader, quorum
 * would break, ambiguous match, cluster unreachable or TLS failure — ABANDON, which with the group's
 * TerminateHookAbandon=retain policy keeps the instance for an operator. Removing a healthy voter that would go
 * below the voter floor waits (heartbeating, lock released) for a replacement to join, then ABANDONs at the deadline.
 *
 * <p>One path: parse → lock → snapshot → decide → act → complete → log. The action is re-checked (a heartbeat)
 * after taking the lock and right before each mutation: an action that ended meanwhile (another delivery completed
 * it, or it timed out and the instance is retained) stops everything. After a step-down the removal is decided
 * again on a fresh snapshot. A mutation starts only while the lock's lease covers the call and its confirmation.
 * After a step-down and a removal, CONTINUE waits (lock released, heartbeating) until {@code STEP_DOWN_QUIET_SECONDS}
 * after another leader was seen: a Vault stopped sooner after its step-down holds every request to it until then.
 *
 * <p>MODE=shadow: the same observation and decision, taken before the action is completed; then CONTINUE, nothing
 * changed, the decision line's {@code "would"} saying what the active mode would have done (see {@link #shadow}).
 *
 * <p>Input handling: a malformed event, a wrong detail-type or transition, a missing or non-string field fails the
 * invocation with the field named (no Vault or AWS call). An event for a group that is not this cluster's is
 * ignored with one log line and no call. "No active Lifecycle Action found" when completing means it was already
 * done.
 */
public final class TerminatingHandler implements RequestStreamHandler {
    static final String NAME = dev.raftlifecycle.contract.HandlerNames.TERMINATING_NAME;
    /** Between two looks at the voter floor while waiting for a replacement to join. */
    private static final Duration FLOOR_RETRY = Duration.ofSeconds(5);
    /** How often the wait after a step-down looks at the heartbeat. */
    private static final Duration QUIET_POLL = Duration.ofSeconds(1);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SnapStartPriming priming;
    private final HandlerRuntime runtime;
    private final RemovalSteps steps;
    private final Departure departure;

    /** Lambda entry: configuration from the environment, validated at cold start. */
    public TerminatingHandler() {
        this(HandlerRuntime.fromEnvironment());
    }

    public TerminatingHandler(HandlerRuntime runtime) {
        this.runtime = runtime;
        ClusterObserver observer = runtime.observer(VaultAccess.MUTATING_ROLE);
        this.steps = runtime.removalSteps(observer);
        this.departure = new Departure(runtime, observer, steps);
        this.priming = SnapStartPriming.register(runtime, false);
    }

    /** The SnapStart priming hook (registered; run by Lambda before the snapshot, by the benchmark to measure it). */
    public SnapStartPriming priming() {
        return priming;
    }

    /** What the invocation did; also its JSON output. */
    public record Outcome(String instanceId, String action, String reason, String peer, boolean steppedDown,
                          boolean peerRemoved, String completion, long latencyMs, String detail) {
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        Duration remaining = context == null ? Duration.ofMinutes(5) : Duration.ofMillis(context.getRemainingTimeInMillis());
        Outcome outcome = handle(input.readAllBytes(), remaining);
        JSON.writeValue(output, outcome);
    }

    public Outcome handle(byte[] input, Duration remaining) {
        Instant started = runtime.clock().instant();
        LifecycleEvent event = EventIntake.parse(runtime, NAME, input, LifecycleEvent.Kind.TERMINATE);
        Optional<EventIntake.Refusal> refusal = EventIntake.refusal(runtime, NAME, event);
        if (refusal.isPresent()) {
            return new Outcome(event.instanceId(), "IGNORED", refusal.get().reason().label(), null, false, false, "none", 0,
                    refusal.get().detail());
        }
        Invocation run = new Invocation(event, Deadline.after(runtime.clock(), remaining, runtime.settings().safetyMargin()),
                new LifecycleActions(runtime.autoScaling(), event, runtime.clock(), runtime.settings().heartbeatInterval()),
                new EventClaim.Termination(event.instanceId(), event.groupName(), event.hookName(),
                        runtime.settings().terminateHook()));
        Optional<ShadowVerdict> would = Optional.empty();
        Result result;
        if (runtime.settings().shadow()) {
            Shadow shadow = shadow(run);
            result = shadow.result();
            would = Optional.of(shadow.would());
        } else {
            result = switch (run.actions.check()) {
                case ENDED -> Result.alreadyEnded("the lifecycle action had already ended (completed by an earlier"
                        + " delivery, or timed out)");
                case UNKNOWN -> Result.abandon(Reason.ACTION_UNKNOWN, Optional.empty(), "whether the lifecycle action is"
                        + " open could not be told (" + run.actions.lastFailure() + "): nothing is changed");
                case OPEN -> departure.awaitClaim(run.occasion, run.deadline)
                        .map(o -> Result.notConfirmed(o.detail()))
                        .orElseGet(() -> underLock(run));
            };
        }
        long quietMs = result.action == LifecycleResult.CONTINUE ? waitOutStepDown(run) : 0;

        AutoScalingPort.Completion completion = run.actions.complete(result.action);
        long latency = Duration.between(started, runtime.clock().instant()).toMillis();
        DecisionLog.Line line = runtime.log().line(NAME, "decision")
                .field("instance", event.instanceId())
                .field("group", event.groupName())
                .field("eventId", event.eventId())
                .field("peer", result.peer.map(RaftPeer::nodeId).orElse(null))
                .field("peerWasLeader", result.peer.map(RaftPeer::leader).orElse(null))
                .field("action", result.action.name())
                .field(MetricName.REASON_DIMENSION, result.reason)
                .field("matched", run.counters.matched)
                .field("steppedDown", run.counters.steppedDown)
                .field("peerRemoved", result.removed)
                .field("completion", completion.name())
                .field("clusterAttempts", run.counters.attempts)
                .field("snapshots", run.counters.snapshots)
                .field("floorWaits", run.floorWaits)
                .field("settleLooks", run.counters.settleLooks)
                .field("stepDownQuietMs", quietMs)
                .field("heartbeats", run.actions.heartbeats())
                .field("heartbeatFailures", run.actions.failedHeartbeats())
                .field("lockWaitMs", run.firstLockedAt == null ? null : Duration.between(started, run.firstLockedAt).toMillis())
                .field("lockedAt", run.lockedAt == null ? null : run.lockedAt.toString())
                .field("unlockedAt", run.unlockedAt == null ? null : run.unlockedAt.toString())
                .field("latencyMs", latency)
                .field("detail", result.detail)
                .metric(MetricName.DECISION_LATENCY_MS, latency);
        would.ifPresent(w -> ShadowLog.mark(line, w));
        LifecycleActions.count(line, result.action);
        if (Reason.CLAIM_NOT_CONFIRMED.label().equals(result.reason)) {
            line.metric(MetricName.CLAIMS_NOT_CONFIRMED, 1);
        }
        if (result.removed) {
            line.metric(MetricName.PEER_REMOVED, 1);
        }
        line.emit(runtime.clock().instant());
        would.ifPresent(w -> ShadowLog.count(runtime, NAME, "instance", event.instanceId(), w));
        return new Outcome(event.instanceId(), result.action.name(), result.reason,
                result.peer.map(RaftPeer::nodeId).orElse(null), run.counters.steppedDown, result.removed, completion.name(),
                latency, result.detail);
    }

    /** Shadow mode's result and what the active mode would have done. */
    private record Shadow(Result result, ShadowVerdict would) {
    }

    /**
     * MODE=shadow: the decision the active mode takes on this state ({@link Departure#shadow}: the same snapshot,
     * claim check and decision, without the lock), taken BEFORE the action is completed (after CONTINUE the instance
     * goes and the state changes), then CONTINUE whatever it is: what the group did before the automation existed.
     * Nothing is removed, no leader stepped down. An action that already ended is left alone, and so is one whose
     * claim AWS does not confirm (as the active mode does: it is not this action's to complete).
     */
    private Shadow shadow(Invocation run) {
        String id = run.event.instanceId();
        LifecycleActions.ActionState state = run.actions.check();
        if (state == LifecycleActions.ActionState.ENDED) {
            Result ended = Result.alreadyEnded("the lifecycle action had already ended (completed by an earlier delivery,"
                    + " or timed out)");
            return new Shadow(ended, ShadowVerdict.plain(LifecycleResult.NONE.name(), ended.reason));
        }
        Optional<Departure.Outcome> unconfirmed = departure.awaitClaim(run.occasion, run.deadline);
        if (unconfirmed.isPresent()) {
            Result none = Result.notConfirmed(unconfirmed.get().detail());
            return new Shadow(none, ShadowVerdict.plain(LifecycleResult.NONE.name(), none.reason));
        }
        try {
            Departure.Shadowed look = departure.shadow(id, run.deadline, run.occasion, run.counters);
            if (look.ended().isPresent()) {
                Result none = Result.notConfirmed(look.detail());
                return new Shadow(none, ShadowVerdict.plain(LifecycleResult.NONE.name(), none.reason));
            }
            TerminationDecision decision = look.decision().orElseThrow();
            ShadowVerdict would = ShadowVerdict.termination(decision, true);
            String detail = look.detail() + "; shadow mode: CONTINUE, nothing changed (would: " + would.action() + " "
                    + would.reason() + (would.mutations().isEmpty() ? "" : ", " + String.join(", ", would.mutations()))
                    + ")" + (state == LifecycleActions.ActionState.UNKNOWN ? "; whether the action was open could not"
                    + " be told (" + run.actions.lastFailure() + ")" : "");
            return new Shadow(Result.of(LifecycleResult.CONTINUE, Reason.SHADOW.label(), decision.subjectPeer(), false,
                    detail), would);
        } catch (RuntimeException e) {
            // The active mode keeps the instance when its observation fails; shadow mode lets it go as before.
            String why = e.getClass().getSimpleName() + ": " + e.getMessage();
            ShadowVerdict would = new ShadowVerdict(LifecycleResult.ABANDON.name(), Reason.OBSERVATION_FAILED.label(),
                    Optional.empty(), Optional.empty(), Optional.empty(), java.util.List.of(MetricName.WOULD_ABANDON));
            return new Shadow(Result.of(LifecycleResult.CONTINUE, Reason.SHADOW.label(), Optional.empty(), false,
                    why + "; shadow mode: CONTINUE, nothing changed"), would);
        }
    }

    /**
     * After a step-down, before letting the instance go: outside the lock (the cluster change is done), heartbeating,
     * until the step-down's quiet period is over ({@link StepDownQuiet}) or the invocation's deadline. Returns how long
     * it waited.
     */
    private long waitOutStepDown(Invocation run) {
        Instant now = runtime.clock().instant();
        Optional<Instant> until = StepDownQuiet.waitUntil(Optional.ofNullable(run.counters.handedOverAt),
                runtime.settings().stepDownQuiet(), now, run.deadline.at());
        if (until.isEmpty()) {
            return 0;
        }
        Deadline quiet = run.deadline.until(until.get());
        while (!quiet.passed()) {
            run.actions.heartbeatIfDue();
            quiet.sleep(QUIET_POLL);
        }
        return Duration.between(now, runtime.clock().instant()).toMillis();
    }

    /** Takes the lock (heartbeating while it waits), decides and acts under it; waits outside it for the floor. */
    private Result underLock(Invocation run) {
        MutationLock lock = runtime.lock();
        String owner = NAME + ":" + run.event.instanceId() + ":" + UUID.randomUUID();
        while (true) {
            Optional<MutationLock.Lease> lease;
            try {
                lease = lock.acquire(owner, run.deadline, run.actions::heartbeatIfDue);
            } catch (RuntimeException e) {
                return Result.abandon(Reason.LOCK_FAILED, Optional.empty(), e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            if (lease.isEmpty()) {
                return Result.abandon(Reason.LOCK_TIMEOUT, Optional.empty(),
                        "another cluster change held the lock until this invocation's deadline");
            }
            run.lockedAt = lease.get().acquiredAt();
            if (run.firstLockedAt == null) {
                run.firstLockedAt = run.lockedAt;
            }
            Result result;
            try {
                result = decideAndAct(run, lease.get());
            } catch (RuntimeException e) {
                // An AWS API failure while observing (the mutations report their failures as results): nothing was
                // changed by this invocation that the re-read did not account for; keep the instance.
                result = Result.abandon(Reason.OBSERVATION_FAILED, Optional.empty(),
                        e.getClass().getSimpleName() + ": " + e.getMessage());
            } finally {
                // The hold ends here: nothing is done under the lock after this instant, whenever the release lands.
                run.unlockedAt = runtime.clock().instant();
                lock.release(lease.get());
            }
            if (!result.awaitingReplacement) {
                return result;
            }
            // Below the floor: a replacement may join; look again, outside the lock, until the deadline allows no
            // further round (a snapshot plus a removal).
            run.actions.heartbeatIfDue();
            Duration needed = FLOOR_RETRY.plus(steps.removalBudget()).plus(steps.stepDownBudget());
            if (run.deadline.remaining().compareTo(needed) < 0 || !run.deadline.sleep(FLOOR_RETRY)) {
                return Result.abandon(Reason.VOTER_FLOOR, result.peer, result.detail + "; no replacement joined in time"
                        + " (" + run.floorWaits + " wait(s))");
            }
            run.floorWaits++;
            switch (run.actions.check()) {
                case ENDED -> {
                    return Result.alreadyEnded("the lifecycle action ended while waiting for a replacement to join");
                }
                case UNKNOWN -> {
                    return Result.abandon(Reason.ACTION_UNKNOWN, result.peer, result.detail + "; whether the lifecycle"
                            + " action is still open could not be told while waiting for a replacement to join");
                }
                case OPEN -> {
                }
            }
        }
    }

    /** Under the lock: the departure's snapshot → decide → act, its outcome as a lifecycle result. */
    private Result decideAndAct(Invocation run, MutationLock.Lease lease) {
        Departure.Outcome outcome = departure.decideAndAct(run.event.instanceId(), run.deadline, lease, run.occasion,
                run.counters);
        Result result = switch (outcome.verdict()) {
            case GO -> Result.of(LifecycleResult.CONTINUE, outcome.reason(), outcome.peer(), outcome.removed(), outcome.detail());
            case KEEP -> new Result(LifecycleResult.ABANDON, outcome.reason(), outcome.peer(), false, outcome.detail());
            case AWAIT_REPLACEMENT -> new Result(LifecycleResult.ABANDON, outcome.reason(), outcome.peer(), false,
                    outcome.detail());
            case ENDED -> Result.alreadyEnded(outcome.detail());
            case NOT_CONFIRMED -> Result.notConfirmed(outcome.detail());
        };
        result.awaitingReplacement = outcome.verdict() == Departure.Verdict.AWAIT_REPLACEMENT;
        return result;
    }

    /** The state of one invocation, for its decision line. */
    private static final class Invocation {
        final LifecycleEvent event;
        final Deadline deadline;
        final LifecycleActions actions;
        final Departure.Counters counters = new Departure.Counters();
        final Departure.Occasion occasion;
        int floorWaits;
        Instant firstLockedAt;
        Instant lockedAt;
        Instant unlockedAt;

        Invocation(LifecycleEvent event, Deadline deadline, LifecycleActions actions, EventClaim claim) {
            this.event = event;
            this.deadline = deadline;
            this.actions = actions;
            this.occasion = new Departure.Occasion() {
                @Override
                public LifecycleActions.ActionState check() {
                    return actions.check();
                }

                @Override
                public EventClaim claim() {
                    return claim;
                }

                @Override
                public void whileWaiting() {
                    actions.heartbeatIfDue();
                }

                @Override
                public String what() {
                    return "the lifecycle action";
                }
            };
        }
    }

    /** How the invocation ends. */
    private static final class Result {
        final LifecycleResult action;
        final String reason;
        final Optional<RaftPeer> peer;
        final boolean removed;
        final String detail;
        boolean awaitingReplacement;

        Result(LifecycleResult action, String reason, Optional<RaftPeer> peer, boolean removed, String detail) {
            this.action = action;
            this.reason = reason;
            this.peer = peer;
            this.removed = removed;
            this.detail = detail;
        }

        static Result of(LifecycleResult action, String reason, Optional<RaftPeer> peer, boolean removed, String detail) {
            return new Result(action, reason, peer, removed, detail);
        }

        static Result abandon(Reason reason, Optional<RaftPeer> peer, String detail) {
            return new Result(LifecycleResult.ABANDON, reason.label(), peer, false, detail);
        }

        /** AWS does not report what the event claims: change nothing, complete nothing (it is not this action's). */
        static Result notConfirmed(String detail) {
            return new Result(LifecycleResult.NONE, Reason.CLAIM_NOT_CONFIRMED.label(), Optional.empty(), false, detail);
        }

        /** The group has already decided this instance's fate: change nothing, complete nothing. */
        static Result alreadyEnded(String detail) {
            return new Result(LifecycleResult.NONE, Reason.ALREADY_ENDED.label(), Optional.empty(), false, detail);
        }
    }
}
