package dev.raftlifecycle.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.contract.VaultAccess;
import dev.raftlifecycle.decisions.ClusterSnapshot;
import dev.raftlifecycle.decisions.EventClaim;
import dev.raftlifecycle.decisions.LaunchReadiness;
import dev.raftlifecycle.decisions.Reason;
import dev.raftlifecycle.decisions.ShadowVerdict;
import dev.raftlifecycle.events.LifecycleEvent;
import dev.raftlifecycle.observation.ClusterObserver;
import dev.raftlifecycle.ports.AutoScalingPort;
import dev.raftlifecycle.time.Deadline;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * EC2_INSTANCE_LAUNCHING → wait, heartbeating, until the new node is initialized, unsealed, in the Raft configuration
 * under its instance id, healthy and stable in autopilot, with a leader present (and, if configured, the expected
 * Vault version) → CONTINUE. On timeout → ABANDON with the last reason, and the group replaces the instance. It only
 * reads: its Vault role's policy is read-only.
 *
 * <p>Input handling as in {@link TerminatingHandler}: malformed → the invocation fails naming the field, no call made;
 * foreign group → ignored; an action that already ended (duplicate, timeout) → nothing done; an action that ends
 * while it polls stops the polling. A failed AWS call during a poll is retried at the next poll. Launching into a
 * warm pool → CONTINUE at once, no Vault call. While no node of the cluster is initialized (first deploy, before
 * `vault operator init`) → CONTINUE with reason cluster-uninitialized, so the group does not replace instances in a
 * loop — only when every other running instance (in any lifecycle state) answers and none is initialized, at least
 * one other exists, and the cluster was never seen initialized.
 *
 * <p>MODE=shadow: CONTINUE as soon as AWS confirms the claim (what the group did before the automation existed), then
 * the same polling, read-only (no heartbeat: the action is completed), until the verdict the active mode would reach
 * within the same budget — admitted once ready, or ABANDON with the last reason at the deadline (WouldAbandon). The
 * decision line is written then, with {@code "would"}; the retain-policy gate does not apply to launches (admitting a
 * node removes nothing). Verifications of different instances are
 * independent invocations and hold no lock: they run in parallel.
 */
public final class LaunchingHandler implements RequestStreamHandler {
    static final String NAME = dev.raftlifecycle.contract.HandlerNames.LAUNCHING_NAME;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration GROUP_REFRESH = Duration.ofSeconds(15);
    private static final Duration READ_BUDGET = Duration.ofSeconds(30);

    private final SnapStartPriming priming;
    private final HandlerRuntime runtime;
    private final ClusterObserver observer;

    public LaunchingHandler() {
        this(HandlerRuntime.fromEnvironment());
    }

    public LaunchingHandler(HandlerRuntime runtime) {
        this.runtime = runtime;
        this.observer = runtime.observer(VaultAccess.READ_ROLE);
        this.priming = SnapStartPriming.register(runtime, false);
    }

    /** The SnapStart priming hook (registered; run by Lambda before the snapshot, by the benchmark to measure it). */
    public SnapStartPriming priming() {
        return priming;
    }

    /** What the invocation did; also its JSON output. */
    public record Outcome(String instanceId, String action, String reason, String completion, long latencyMs,
                          int polls, String detail, String readyObservedAt) {
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        Duration remaining = context == null ? Duration.ofMinutes(15) : Duration.ofMillis(context.getRemainingTimeInMillis());
        JSON.writeValue(output, handle(input.readAllBytes(), remaining));
    }

    public Outcome handle(byte[] input, Duration remaining) {
        Instant started = runtime.clock().instant();
        LifecycleEvent event = EventIntake.parse(runtime, NAME, input, LifecycleEvent.Kind.LAUNCH);
        Optional<EventIntake.Refusal> refusal = EventIntake.refusal(runtime, NAME, event);
        if (refusal.isPresent()) {
            return new Outcome(event.instanceId(), "IGNORED", refusal.get().reason().label(), "none", 0, 0,
                    refusal.get().detail(), null);
        }
        LifecycleActions actions = new LifecycleActions(runtime.autoScaling(), event, runtime.clock(),
                runtime.settings().heartbeatInterval());
        if (event.intoWarmPool()) {
            return finish(event, actions, started, LifecycleResult.CONTINUE, Reason.WARM_POOL, 0,
                    "launching into the warm pool: the node must not join while warm", null, null);
        }
        if (actions.check() == LifecycleActions.ActionState.ENDED) {
            return finish(event, actions, started, LifecycleResult.NONE, Reason.ALREADY_ENDED, 0,
                    "the lifecycle action had already ended (completed by an earlier delivery, or timed out)", null, null);
        }
        // Unknown (the heartbeat failed): polling is harmless; the action is asked again before it is completed.
        Deadline deadline = Deadline.after(runtime.clock(), remaining, runtime.settings().safetyMargin())
                .within(runtime.settings().launchMaxWait());
        if (!runtime.settings().shadow()) {
            Polled p = poll(event, actions, deadline, false, () -> { });
            return finish(event, actions, started, p.result(), p.reason(), p.polls(), p.detail(), p.readyAt(), null);
        }
        // Shadow mode: CONTINUE as soon as AWS confirms the claim (as the active mode, nothing is completed for a
        // claim it does not confirm), then keep observing, read-only, until the verdict the active mode would reach
        // within the same budget: admitted (the node ready) or refused at the deadline with the last reason.
        AutoScalingPort.Completion[] completed = {null};
        Polled p = poll(event, actions, deadline, true, () -> completed[0] = actions.complete(LifecycleResult.CONTINUE));
        ShadowVerdict would = p.result() == LifecycleResult.NONE ? ShadowVerdict.plain(LifecycleResult.NONE.name(),
                p.reason().label()) : ShadowVerdict.launch(p.result() == LifecycleResult.CONTINUE, p.reason());
        if (completed[0] == null) {
            return finish(event, actions, started, LifecycleResult.NONE, p.reason(), p.polls(), p.detail(), null, would);
        }
        return finish(event, actions, started, LifecycleResult.CONTINUE, Reason.SHADOW, p.polls(), p.detail()
                + "; shadow mode: CONTINUE once AWS confirmed the launch (would: " + would.action() + " "
                + would.reason() + ")", p.readyAt(), would, completed[0]);
    }

    /** How the polling ended: the result the active mode completes with, its reason, and when ready was seen. */
    private record Polled(LifecycleResult result, Reason reason, int polls, String detail, Instant readyAt) {
    }

    /**
     * Polls until the node is ready, the action ended or the deadline. In shadow mode ({@code shadow}) the action was
     * completed ({@code onConfirmed}, once AWS confirmed the claim): no heartbeat and no question about the action
     * any more, and the claim is not looked at again (the instance leaves Pending:Wait once completed); the verdict is
     * the same evaluation on the same observations.
     */
    private Polled poll(LifecycleEvent event, LifecycleActions actions, Deadline deadline, boolean shadow,
                        Runnable onConfirmed) {
        LaunchReadiness.Expectations expected = new LaunchReadiness.Expectations(runtime.settings().nonVoters(),
                runtime.settings().expectedVaultVersion());
        Optional<String> self = Optional.of(event.instanceId());

        Reason reason = Reason.UNREACHABLE;
        String detail = "not observed yet";
        int polls = 0;
        ClusterObserver.ObservedGroups groups = null;
        EventClaim claim = new EventClaim.Launch(event.instanceId(), event.groupName(), event.hookName(),
                runtime.settings().launchHook());
        Deadline claimSettle = Deadline.after(runtime.clock(), runtime.settings().claimSettle(), Duration.ZERO);
        boolean claimConfirmed = false;
        while (true) {
            polls++;
            boolean completed = shadow && claimConfirmed;
            LaunchReadiness.Verdict verdict;
            try {
                Instant now = runtime.clock().instant();
                // Until AWS has confirmed the claim, the groups are described on every poll (not every GROUP_REFRESH).
                if (groups == null || !claimConfirmed || Duration.between(groups.readAt(), now).compareTo(GROUP_REFRESH) >= 0) {
                    groups = observer.describeGroups(self);
                }
                EventClaim.Verdict claimed = completed ? null
                        : EventClaim.check(claim, groups.instances(), runtime.settings().groupNames());
                if (claimed != null && !claimed.confirmed()) {
                    if (claimConfirmed || claimSettle.passed()) {
                        return new Polled(LifecycleResult.NONE, Reason.CLAIM_NOT_CONFIRMED, polls,
                                claim.describe() + (claimConfirmed ? " is no longer" : " is not") + " what AWS reports: "
                                        + claimed.detail() + ": nothing is completed", null);
                    }
                    verdict = new LaunchReadiness.Waiting(Reason.CLAIM_NOT_CONFIRMED, claimed.detail());
                } else {
                    if (!claimConfirmed) {
                        // Shadow's CONTINUE: a failure here (after the SDK's retries) is tried again at the next poll.
                        onConfirmed.run();
                        claimConfirmed = true;
                    }
                    ClusterSnapshot snapshot = observer.snapshot(groups, self, deadline.within(READ_BUDGET),
                            shadow ? () -> { } : actions::heartbeatIfDue);
                    verdict = LaunchReadiness.evaluate(snapshot, event.instanceId(), expected, runtime.clock().instant());
                }
            } catch (RuntimeException e) {
                // An AWS API failure (throttling, a network error): one failed poll proves nothing about the
                // node, so keep polling; if it is still failing at the deadline, that is the reason reported.
                verdict = new LaunchReadiness.Waiting(Reason.OBSERVATION_FAILED, e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            if (!(verdict instanceof LaunchReadiness.Waiting)) {
                if (shadow && claimConfirmed) {
                    return new Polled(LifecycleResult.CONTINUE, verdict.reason(), polls, "after " + polls + " poll(s)",
                            runtime.clock().instant());
                }
                // Ready: the action is asked once more right before it is completed. Ended: nothing to complete; an
                // answer that cannot be classified: not completed now, asked again at the next poll.
                LifecycleActions.ActionState state = actions.check();
                if (state == LifecycleActions.ActionState.ENDED) {
                    return new Polled(LifecycleResult.NONE, Reason.ALREADY_ENDED, polls,
                            "the lifecycle action ended before verification finished (ready)", null);
                }
                if (state == LifecycleActions.ActionState.OPEN) {
                    return new Polled(LifecycleResult.CONTINUE, verdict.reason(), polls, "after " + polls + " poll(s)"
                            + (verdict instanceof LaunchReadiness.Ready ready && !ready.matched().isEmpty()
                            ? "; matched " + ready.matched() : ""), runtime.clock().instant());
                }
                verdict = new LaunchReadiness.Waiting(Reason.ACTION_UNKNOWN, "ready, but whether the lifecycle action is"
                        + " still open could not be told (" + actions.lastFailure() + ")");
            }
            LaunchReadiness.Waiting waiting = (LaunchReadiness.Waiting) verdict;
            reason = waiting.reason();
            detail = waiting.detail();
            if (!(shadow && claimConfirmed)) {
                actions.heartbeatIfDue();
                if (actions.endedElsewhere()) {
                    return new Polled(LifecycleResult.NONE, Reason.ALREADY_ENDED, polls,
                            "the lifecycle action ended before verification finished (last: " + reason.label() + ")", null);
                }
            }
            if (!deadline.sleep(runtime.settings().launchPollInterval())) {
                break;
            }
        }
        return new Polled(LifecycleResult.ABANDON, reason, polls, detail, null);
    }

    private Outcome finish(LifecycleEvent event, LifecycleActions actions, Instant started, LifecycleResult result,
                           Reason reason, int polls, String detail, Instant readyAt, ShadowVerdict would) {
        return finish(event, actions, started, result, reason, polls, detail, readyAt, would, actions.complete(result));
    }

    /** The decision line and the output; {@code completion}: what completing the action with {@code result} said. */
    private Outcome finish(LifecycleEvent event, LifecycleActions actions, Instant started, LifecycleResult result,
                           Reason reason, int polls, String detail, Instant readyAt, ShadowVerdict would,
                           AutoScalingPort.Completion completion) {
        long latency = Duration.between(started, runtime.clock().instant()).toMillis();
        DecisionLog.Line line = runtime.log().line(NAME, "decision")
                .field("instance", event.instanceId())
                .field("group", event.groupName())
                .field("eventId", event.eventId())
                .field("origin", event.origin().orElse(null))
                .field("destination", event.destination().orElse(null))
                .field("action", result.name())
                .field(MetricName.REASON_DIMENSION, reason.label())
                .field("polls", polls)
                .field("heartbeats", actions.heartbeats())
                .field("heartbeatFailures", actions.failedHeartbeats())
                .field("completion", completion.name())
                .field("latencyMs", latency)
                .field("detail", detail)
                .metric(MetricName.DECISION_LATENCY_MS, latency);
        if (would != null) {
            ShadowLog.mark(line, would);
        }
        LifecycleActions.count(line, result);
        if (reason == Reason.CLAIM_NOT_CONFIRMED) {
            line.metric(MetricName.CLAIMS_NOT_CONFIRMED, 1);
        }
        line.emit(runtime.clock().instant());
        if (would != null) {
            ShadowLog.count(runtime, NAME, "instance", event.instanceId(), would);
        }
        return new Outcome(event.instanceId(), result.name(), reason.label(), completion.name(), latency, polls, detail,
                readyAt == null ? null : readyAt.toString());
    }
}
