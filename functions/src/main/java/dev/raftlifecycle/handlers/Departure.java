package dev.raftlifecycle.handlers;

import dev.raftlifecycle.decisions.ClusterSnapshot;
import dev.raftlifecycle.decisions.EventClaim;
import dev.raftlifecycle.decisions.HealthyVoters;
import dev.raftlifecycle.decisions.RaftPeer;
import dev.raftlifecycle.decisions.Reason;
import dev.raftlifecycle.decisions.RetainPolicy;
import dev.raftlifecycle.decisions.TerminationDecision;
import dev.raftlifecycle.observation.ClusterObserver;
import dev.raftlifecycle.ports.MutationLock;
import dev.raftlifecycle.time.Deadline;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One instance leaving the cluster, under the lock: snapshot → decide ({@link TerminationDecision}) → act, and the
 * decision taken again on a fresh snapshot after a step-down. The same path whatever says the instance is leaving:
 * an Auto Scaling termination (the terminating handler), a Spot interruption warning (the interruption handler), EC2
 * reporting it shutting down or terminated (the reconciler). What can end the occasion (a lifecycle action that
 * ended meanwhile; nothing, for the others) and what to do while waiting (heartbeats) is the caller's
 * {@link Occasion}; it is checked after the lock is taken and right before each mutation.
 */
final class Departure {
    /** Between two looks while autopilot catches up with the nodes' own answers. */
    private static final Duration SETTLE_RETRY = Duration.ofMillis(500);

    /** What the departure is acting for. */
    interface Occasion {
        /**
         * Whether acting is still wanted, asked now: a lifecycle action still open (a heartbeat), ended, or unknown
         * (the answer could not be classified: never taken for open before a mutation).
         */
        LifecycleActions.ActionState check();

        /** What the event claims; checked against AWS's answer on every snapshot before anything changes. */
        EventClaim claim();

        /** Called while waiting (a lifecycle heartbeat when due). */
        void whileWaiting();

        /** What ended, for the detail ("the lifecycle action"). */
        String what();

        /**
         * Whether the instance goes whatever is decided (a Spot interruption, EC2 shutting it down): then the voter
         * floor does not apply, only quorum (see {@link TerminationDecision#decide(ClusterSnapshot, String,
         * dev.raftlifecycle.decisions.SafetyRules, boolean)}). A terminate hook's instance is not: an ABANDON keeps it.
         */
        default boolean doomed() {
            return false;
        }
    }

    /**
     * An EC2 event's instance: nothing can end the occasion (no action to complete), and the instance goes anyway —
     * if AWS confirms the event's claim.
     */
    static Occasion event(EventClaim claim) {
        return new Occasion() {
            @Override
            public LifecycleActions.ActionState check() {
                return LifecycleActions.ActionState.OPEN;
            }

            @Override
            public EventClaim claim() {
                return claim;
            }

            @Override
            public void whileWaiting() {
            }

            @Override
            public String what() {
                return "the event";
            }

            @Override
            public boolean doomed() {
                return true;
            }
        };
    }

    /** Between two attempts of an event's departure that was refused for now (unsafe, lock busy). */
    static final Duration EVENT_RETRY = Duration.ofSeconds(3);

    /** Between two looks at a claim AWS does not confirm yet (its answers are eventually consistent). */
    static final Duration CLAIM_RETRY = Duration.ofSeconds(1);

    /**
     * How it ended: let the instance go, keep it, wait for a replacement (the floor), nothing (the occasion ended), or
     * nothing because AWS does not confirm what the event claims.
     */
    enum Verdict { GO, KEEP, AWAIT_REPLACEMENT, ENDED, NOT_CONFIRMED }

    /**
     * @param reason  the label for logs, outputs and the Reason dimension
     * @param removed whether the peer was removed (confirmed gone from the configuration)
     */
    record Outcome(Verdict verdict, String reason, Optional<RaftPeer> peer, boolean removed, String detail) {
        static Outcome go(String reason, Optional<RaftPeer> peer, boolean removed, String detail) {
            return new Outcome(Verdict.GO, reason, peer, removed, detail);
        }

        static Outcome keep(Reason reason, Optional<RaftPeer> peer, String detail) {
            return new Outcome(Verdict.KEEP, reason.label(), peer, false, detail);
        }

        static Outcome ended(String detail) {
            return new Outcome(Verdict.ENDED, Reason.ALREADY_ENDED.label(), Optional.empty(), false, detail);
        }

        static Outcome notConfirmed(String detail) {
            return new Outcome(Verdict.NOT_CONFIRMED, Reason.CLAIM_NOT_CONFIRMED.label(), Optional.empty(), false, detail);
        }
    }

    /** What the departure did along the way, for the caller's decision line. */
    static final class Counters {
        boolean steppedDown;
        /** When another leader was seen after this invocation's step-down (null: no step-down, or none seen). */
        Instant handedOverAt;
        int attempts;
        int snapshots;
        int settleLooks;
        /** How the last decision matched the instance's peer ({@link TerminationDecision#matched}), if it got that far. */
        String matched;
    }

    private final HandlerRuntime runtime;
    private final ClusterObserver observer;
    private final RemovalSteps steps;

    Departure(HandlerRuntime runtime, ClusterObserver observer, RemovalSteps steps) {
        this.runtime = runtime;
        this.observer = observer;
        this.steps = steps;
    }

    RemovalSteps steps() {
        return steps;
    }

    /**
     * Before anything else, and outside the lock: looks at AWS's answer (the groups and EC2, no cluster call) until it
     * confirms the event's claim, for up to CLAIM_SETTLE_SECONDS (AWS's answers are eventually consistent: a genuine
     * event can come a moment before the describe calls show it). A claim still not confirmed then is a no-op.
     *
     * @return empty when confirmed; else the outcome that ends the occasion
     */
    Optional<Outcome> awaitClaim(Occasion occasion, Deadline deadline) {
        EventClaim claim = occasion.claim();
        Deadline settle = deadline.within(runtime.settings().claimSettle());
        int looks = 0;
        while (true) {
            looks++;
            ClusterObserver.ObservedGroups observed = observer.describeGroups(Optional.of(claim.instanceId()));
            EventClaim.Verdict verdict = EventClaim.check(claim, observed.instances(), runtime.settings().groupNames());
            if (verdict.confirmed()) {
                return Optional.empty();
            }
            occasion.whileWaiting();
            if (!settle.sleep(CLAIM_RETRY)) {
                return Optional.of(Outcome.notConfirmed(claim.describe() + " is not what AWS reports: " + verdict.detail()
                        + " (" + looks + " look(s) over " + runtime.settings().claimSettle().toSeconds() + " s)"));
            }
        }
    }

    /** Under the lock: snapshot → check the claim → decide → act, once more after a step-down. */
    Outcome decideAndAct(String id, Deadline deadline, MutationLock.Lease lease, Occasion occasion, Counters run) {
        switch (occasion.check()) {
            case ENDED -> {
                return Outcome.ended(occasion.what() + " ended while this invocation waited for the lock");
            }
            case UNKNOWN -> {
                return Outcome.keep(Reason.ACTION_UNKNOWN, Optional.empty(), "whether " + occasion.what()
                        + " is still open could not be told after taking the lock: nothing is changed");
            }
            case OPEN -> {
            }
        }
        StringBuilder trail = new StringBuilder();
        Deadline settling = deadline.within(runtime.settings().stepDownWait());
        while (true) {
            Decided decided = decide(id, deadline, occasion, run, settling, trail);
            if (decided.ended().isPresent()) {
                return decided.ended().get();
            }
            ClusterSnapshot snapshot = decided.snapshot();
            TerminationDecision decision = decided.decision();
            String detail = trail.toString();
            Optional<RaftPeer> peer = decision.subjectPeer();
            switch (decision) {
                case TerminationDecision.Release release -> {
                    return Outcome.go(release.label(), peer, false, detail);
                }
                case TerminationDecision.Refuse refuse -> {
                    return Outcome.keep(refuse.reason(), peer, detail);
                }
                case TerminationDecision.AwaitReplacement await -> {
                    return new Outcome(Verdict.AWAIT_REPLACEMENT, Reason.VOTER_FLOOR.label(), peer, false, detail);
                }
                case TerminationDecision.Remove remove -> {
                    String via = snapshot.via().orElseThrow();
                    if (remove.stepDownFirst()) {
                        if (run.steppedDown) {
                            return Outcome.keep(Reason.STEP_DOWN_FAILED, peer, detail + "; it leads again after its step-down");
                        }
                        Optional<Outcome> stop = beforeMutation(occasion, lease, steps.stepDownBudget(), peer, detail, "step-down");
                        if (stop.isPresent()) {
                            return stop.get();
                        }
                        RemovalSteps.StepDown stepDown = steps.stepDown(via, remove.peer().nodeId(), snapshot.instances(),
                                deadline, occasion::whileWaiting);
                        run.steppedDown = true;
                        trail.append("; ").append(stepDown.detail());
                        if (!stepDown.newLeader()) {
                            return Outcome.keep(Reason.STEP_DOWN_FAILED, peer, trail.toString());
                        }
                        run.handedOverAt = runtime.clock().instant();
                        LifecycleActions.ActionState after = occasion.check();
                        if (after != LifecycleActions.ActionState.OPEN) {
                            return after == LifecycleActions.ActionState.ENDED
                                    ? Outcome.ended(trail + "; " + occasion.what() + " ended during the step-down:"
                                    + " nothing more is changed")
                                    : Outcome.keep(Reason.ACTION_UNKNOWN, peer, trail + "; whether " + occasion.what()
                                    + " is still open could not be told after the step-down: nothing more is changed");
                        }
                        // The new leader's autopilot (and a Consul standby's idea of who leads) catches up from here:
                        // the settling looks start again rather than share what the step-down used.
                        settling = deadline.within(runtime.settings().stepDownWait());
                        continue; // decide the removal again, on the view after the new leader appeared
                    }
                    Optional<Outcome> stop = beforeMutation(occasion, lease, steps.removalBudget(), peer, detail, "remove-peer");
                    if (stop.isPresent()) {
                        return stop.get();
                    }
                    RemovalSteps.Removal removal = steps.remove(via, remove.peer().nodeId(), snapshot.instances(),
                            deadline, occasion::whileWaiting);
                    trail.append("; ").append(removal.detail());
                    if (removal.outcome().removed()) {
                        return Outcome.go(run.steppedDown && !remove.decommissioning() ? Reason.LEADER_REMOVED.label()
                                : remove.label(), peer, true, trail.toString());
                    }
                    if (remove.decommissioning()) {
                        // Nobody needs this cluster's quorum any more: the instance goes whatever the removal did.
                        return Outcome.go(removal.outcome().failureReason().label(true), peer, false, trail.toString());
                    }
                    return Outcome.keep(removal.outcome().failureReason(), peer, trail.toString());
                }
            }
        }
    }

    /**
     * A decision on a fresh snapshot, or the outcome that ends the occasion before one (AWS no longer confirms the
     * claim).
     */
    record Decided(ClusterSnapshot snapshot, TerminationDecision decision, Optional<Outcome> ended) {
    }

    /**
     * One decision, the same for both modes: a fresh snapshot, the claim checked in it, {@link TerminationDecision}
     * (with the retain-policy gate), autopilot's doubts looked at again while they may be a lag; what was seen and
     * decided appended to {@code trail}. Changes nothing.
     */
    private Decided decide(String id, Deadline deadline, Occasion occasion, Counters run, Deadline settling,
                           StringBuilder trail) {
        while (true) {
            ClusterSnapshot snapshot = observer.snapshot(Optional.of(id), deadline, occasion::whileWaiting);
            run.snapshots++;
            run.attempts += snapshot.attempts();
            // The claim again, in the snapshot the decision is taken on (awaitClaim saw it confirmed moments ago: a
            // change since is not a lag to wait out).
            EventClaim.Verdict claimed = EventClaim.check(occasion.claim(), snapshot, runtime.settings().groupNames());
            if (!claimed.confirmed()) {
                trail.append(trail.isEmpty() ? "" : "; then ");
                return new Decided(null, null, Optional.of(Outcome.notConfirmed(trail + occasion.claim().describe() + " is no longer what AWS reports: "
                        + claimed.detail() + ": nothing more is changed")));
            }
            TerminationDecision decision = TerminationDecision.decide(snapshot, id, runtime.settings().safetyRules(),
                    occasion.doomed());
            run.matched = decision.matched().orElse(run.matched);
            boolean lagging = HealthyVoters.autopilotLagging(snapshot, runtime.settings().safetyRules());
            boolean subjectDoubted = decision instanceof TerminationDecision.Remove remove
                    && HealthyVoters.laggingOn(snapshot, runtime.settings().safetyRules(), remove.peer().nodeId());
            if ((!(decision instanceof TerminationDecision.Remove) && lagging || subjectDoubted) && !settling.passed()) {
                // Autopilot disagrees with the nodes' own answers (right after a leadership change, the new leader
                // has not heard from the standbys yet): look again in a moment rather than refuse on it. Likewise
                // before removing a subject that answers but is doubted only by autopilot's (or its own leader's)
                // view: counted unhealthy, it would go without the voter floor, so that doubt must have lasted.
                occasion.whileWaiting();
                run.settleLooks++;
                settling.sleep(SETTLE_RETRY);
                continue;
            }
            trail.append(trail.isEmpty() ? "" : "; then ").append(Explain.snapshot(snapshot, runtime.settings().safetyRules()))
                    .append(Explain.decision(decision));
            if (decision.reason() == Reason.RETAIN_POLICY_MISSING) {
                trail.append("; ").append(RetainPolicy.judge(snapshot).message());
            }
            return new Decided(snapshot, decision, Optional.empty());
        }
    }

    /** Shadow mode's look: the decision the active mode takes first, or what ended the occasion before one. */
    record Shadowed(Optional<TerminationDecision> decision, Optional<Outcome> ended, String detail) {
    }

    /**
     * Shadow mode: the decision the active mode takes first on this state, through the same {@link #decide} (fresh
     * snapshot, claim, decision with the retain-policy gate, autopilot's settling looks), and nothing acted on. Without
     * the lock, by choice: the lock serializes mutations and shadow mode makes none, so taking it would only hold the
     * CONTINUE back behind another change; the state decided on is the cluster's own, which no shadow handler changes.
     */
    Shadowed shadow(String id, Deadline deadline, Occasion occasion, Counters run) {
        StringBuilder trail = new StringBuilder();
        Decided decided = decide(id, deadline, occasion, run, deadline.within(runtime.settings().stepDownWait()), trail);
        return new Shadowed(Optional.ofNullable(decided.decision()), decided.ended(), trail.toString());
    }

    /**
     * Shadow mode for an EC2 event: AWS's confirmation of the claim awaited as {@link #persist} does, then one
     * {@link #shadow} look. The active mode's later looks (a refusal that may pass, retried until {@code until}) are
     * not made: the verdict reported is the one on the state now.
     */
    Shadowed shadowEvent(EventClaim claim, Deadline deadline, Deadline until, Counters run) {
        Occasion occasion = event(claim);
        Optional<Outcome> unconfirmed = awaitClaim(occasion, until);
        if (unconfirmed.isPresent()) {
            return new Shadowed(Optional.empty(), unconfirmed, unconfirmed.get().detail());
        }
        return shadow(claim.instanceId(), deadline, occasion, run);
    }

    /**
     * For an EC2 event, which has no lifecycle action to complete and nothing to wait for but the instance's end:
     * first a look without the lock (no peer of the instance: nothing to do, no lock taken — the usual case for the
     * state changes of an instance the terminate hook already handled); then the lock and {@link #decideAndAct}. A
     * refusal that may pass (quorum short because another dead voter is about to go, no leader during an election,
     * the lock busy) is looked at again every {@link #EVENT_RETRY} until {@code until}; the last outcome stands.
     *
     * @param until    when acting stops being useful (a Spot interruption's end)
     * @param lockWait the longest wait for the lock in one attempt
     */
    Outcome persist(String owner, EventClaim claim, Deadline deadline, Deadline until, Duration lockWait, Counters run) {
        Occasion occasion = event(claim);
        String id = claim.instanceId();
        Optional<Outcome> unconfirmed = awaitClaim(occasion, until);
        if (unconfirmed.isPresent()) {
            return unconfirmed.get();
        }
        ClusterSnapshot first = observer.snapshot(Optional.of(id), deadline, occasion::whileWaiting);
        run.snapshots++;
        run.attempts += first.attempts();
        TerminationDecision look = TerminationDecision.decide(first, id, runtime.settings().safetyRules(), true);
        run.matched = look.matched().orElse(run.matched);
        if (look instanceof TerminationDecision.Release release && !release.decommissioning()) {
            return Outcome.go(release.label(), release.peer(), false, Explain.snapshot(first,
                    runtime.settings().safetyRules()) + Explain.decision(look) + " (without the lock)");
        }
        MutationLock lock = runtime.lock();
        Outcome last = null;
        int tries = 0;
        java.util.List<String> earlier = new java.util.ArrayList<>();
        while (true) {
            if (last != null) {
                earlier.add(last.reason());
            }
            tries++;
            Optional<MutationLock.Lease> lease = lock.acquire(owner, deadline, until.within(lockWait), () -> { });
            if (lease.isEmpty()) {
                last = Outcome.keep(Reason.LOCK_BUSY, Optional.empty(), "another cluster change held the lock");
            } else {
                try {
                    last = decideAndAct(id, deadline, lease.get(), occasion, run);
                } finally {
                    lock.release(lease.get());
                }
            }
            // A missing retain policy is an operator's to fix, not a moment to wait out.
            if (last.verdict() == Verdict.GO || last.verdict() == Verdict.NOT_CONFIRMED
                    || Reason.RETAIN_POLICY_MISSING.label().equals(last.reason())
                    || until.remaining().compareTo(EVENT_RETRY.plus(steps.removalBudget())) < 0
                    || !until.sleep(EVENT_RETRY)) {
                String attempts = tries > 1 ? " (attempt " + tries + "; earlier: " + String.join(", ", earlier) + ")" : "";
                return new Outcome(last.verdict(), last.reason(), last.peer(), last.removed(), last.detail() + attempts);
            }
        }
    }

    /**
     * Right before a mutation: the lease must cover the call and its confirmation (else another holder could act
     * while this one is still in flight), a consistent read of the lock item must still show this lease (a lease that
     * ran out and was taken, or an item someone overwrote or deleted, is not held), and the occasion must still be
     * open (an answer that cannot be classified is not "open").
     */
    private Optional<Outcome> beforeMutation(Occasion occasion, MutationLock.Lease lease, Duration budget,
                                             Optional<RaftPeer> peer, String detail, String what) {
        Instant now = runtime.clock().instant();
        if (!lease.covers(now, budget)) {
            return Optional.of(Outcome.keep(Reason.LEASE_TOO_SHORT, peer, detail + "; " + what + " not started: the lock's"
                    + " lease has " + lease.remaining(now).toMillis() + " ms left, " + budget.toMillis() + " ms needed"));
        }
        MutationLock.Holding holding = runtime.lock().holding(lease);
        if (holding != MutationLock.Holding.HELD) {
            return Optional.of(Outcome.keep(Reason.LEASE_LOST, peer, detail + "; " + what + " not started: the lock item "
                    + (holding == MutationLock.Holding.LOST ? "no longer shows this invocation's lease"
                    : "could not be read") + ": nothing is changed"));
        }
        switch (occasion.check()) {
            case ENDED -> {
                return Optional.of(Outcome.ended(detail + "; " + occasion.what() + " ended before the " + what
                        + ": nothing more is changed"));
            }
            case UNKNOWN -> {
                return Optional.of(Outcome.keep(Reason.ACTION_UNKNOWN, peer, detail + "; " + what + " not started: whether "
                        + occasion.what() + " is still open could not be told"));
            }
            case OPEN -> {
            }
        }
        return Optional.empty();
    }
}
