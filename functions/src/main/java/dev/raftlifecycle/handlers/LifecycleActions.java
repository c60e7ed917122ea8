package dev.raftlifecycle.handlers;

import dev.raftlifecycle.events.LifecycleEvent;
import dev.raftlifecycle.ports.AutoScalingPort;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** Completing and heartbeating one event's lifecycle action. */
final class LifecycleActions {
    private final AutoScalingPort autoScaling;
    private final LifecycleEvent event;
    private final Clock clock;
    private final Duration heartbeatInterval;
    private Instant lastBeat;
    private boolean ended;
    private int heartbeats;

    LifecycleActions(AutoScalingPort autoScaling, LifecycleEvent event, Clock clock, Duration heartbeatInterval) {
        this.autoScaling = autoScaling;
        this.event = event;
        this.clock = clock;
        this.heartbeatInterval = heartbeatInterval;
        this.lastBeat = clock.instant();
    }

    /** Records a heartbeat if one is due; remembers if the action already ended. */
    void heartbeatIfDue() {
        if (ended || Duration.between(lastBeat, clock.instant()).compareTo(heartbeatInterval) < 0) {
            return;
        }
        lastBeat = clock.instant();
        heartbeats++;
        if (!autoScaling.heartbeat(event.groupName(), event.hookName(), event.token(), event.instanceId())) {
            ended = true;
        }
    }

    /** True once a heartbeat found the action already ended (completed elsewhere or timed out). */
    boolean endedElsewhere() {
        return ended;
    }

    int heartbeats() {
        return heartbeats;
    }

    AutoScalingPort.Completion complete(String result) {
        return autoScaling.complete(event.groupName(), event.hookName(), event.token(), event.instanceId(), result);
    }
}
