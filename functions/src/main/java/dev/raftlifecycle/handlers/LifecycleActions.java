package dev.raftlifecycle.handlers;

import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.events.LifecycleEvent;
import dev.raftlifecycle.ports.AutoScalingPort;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Completing and heartbeating one event's lifecycle action. A heartbeat is also how the handlers ask whether the
 * action is still open: accepted (open), "No active Lifecycle Action found" (ended), or any other answer (throttled,
 * refused, unreachable), which says nothing about the action and so is {@link ActionState#UNKNOWN}: never taken for
 * open before a mutation.
 */
final class LifecycleActions {
    /** What a heartbeat said of the action. */
    enum ActionState {
        OPEN,
        /** Completed elsewhere (a duplicate delivery) or timed out: nothing more may be done for it. */
        ENDED,
        /** The call failed or was refused: whether the action is open cannot be told. */
        UNKNOWN
    }

    private final AutoScalingPort autoScaling;
    private final LifecycleEvent event;
    private final Clock clock;
    private final Duration heartbeatInterval;
    private Instant lastBeat;
    private boolean ended;
    private int heartbeats;
    private int failedHeartbeats;
    private String lastFailure = "";

    LifecycleActions(AutoScalingPort autoScaling, LifecycleEvent event, Clock clock, Duration heartbeatInterval) {
        this.autoScaling = autoScaling;
        this.event = event;
        this.clock = clock;
        this.heartbeatInterval = heartbeatInterval;
        this.lastBeat = clock.instant();
    }

    /**
     * Records a heartbeat if one is due; remembers if the action already ended. Best effort: a failed heartbeat
     * (throttling, a network error) must not turn work already done — a peer removed, a node verified — into an
     * ABANDON, so it is counted and tried again after half an interval; the hook's heartbeat timeout is at least
     * twice the interval, so one miss does not end the action.
     */
    void heartbeatIfDue() {
        if (!ended && Duration.between(lastBeat, clock.instant()).compareTo(heartbeatInterval) >= 0) {
            beat();
        }
    }

    private ActionState beat() {
        Instant now = clock.instant();
        lastBeat = now;
        heartbeats++;
        try {
            if (!autoScaling.heartbeat(event.groupName(), event.hookName(), event.token(), event.instanceId())) {
                ended = true;
                return ActionState.ENDED;
            }
            return ActionState.OPEN;
        } catch (RuntimeException e) {
            failedHeartbeats++;
            lastBeat = now.minus(heartbeatInterval.dividedBy(2));
            lastFailure = e.getClass().getSimpleName() + ": " + e.getMessage();
            return ActionState.UNKNOWN;
        }
    }

    /** Why the last failed heartbeat failed ("" if none did). */
    String lastFailure() {
        return lastFailure;
    }

    int failedHeartbeats() {
        return failedHeartbeats;
    }

    /**
     * Whether the action is still open, asked with a heartbeat now (which also restarts its timeout). A failed call
     * (after the SDK's own retries) tells nothing: {@link ActionState#UNKNOWN}, which no caller may take for open.
     */
    ActionState check() {
        return ended ? ActionState.ENDED : beat();
    }

    /** True once a heartbeat found the action already ended (completed elsewhere or timed out). */
    boolean endedElsewhere() {
        return ended;
    }

    int heartbeats() {
        return heartbeats;
    }

    /** Completes with CONTINUE or ABANDON; NONE (the action had already ended) completes nothing. */
    AutoScalingPort.Completion complete(LifecycleResult result) {
        if (result == LifecycleResult.NONE) {
            return AutoScalingPort.Completion.ALREADY_ENDED;
        }
        return autoScaling.complete(event.groupName(), event.hookName(), event.token(), event.instanceId(), result.wire());
    }

    /** Counts the result on the decision line: LifecycleContinue or LifecycleAbandon; NONE counts as neither. */
    static void count(DecisionLog.Line line, LifecycleResult result) {
        if (result != LifecycleResult.NONE) {
            line.metric(result == LifecycleResult.CONTINUE ? MetricName.LIFECYCLE_CONTINUE : MetricName.LIFECYCLE_ABANDON, 1);
        }
    }
}
