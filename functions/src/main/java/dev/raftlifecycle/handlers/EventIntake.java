package dev.raftlifecycle.handlers;

import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.decisions.Reason;
import dev.raftlifecycle.events.LifecycleEvent;
import dev.raftlifecycle.events.LifecycleEventParser;

/**
 * The first step of both lifecycle handlers: parse the event (a bad one fails the invocation, naming the field,
 * after one log line and before any call) and keep only this cluster's groups (another group's event is ignored
 * with one log line and no call).
 */
final class EventIntake {
    private EventIntake() {
    }

    static LifecycleEvent parse(HandlerRuntime runtime, String handler, byte[] input, LifecycleEvent.Kind kind) {
        try {
            return LifecycleEventParser.parse(input, kind);
        } catch (RuntimeException e) {
            runtime.log().line(handler, "invalid-event").field("error", e.getMessage()).emit(runtime.clock().instant());
            throw e;
        }
    }

    /** True (and logged) when the event is for a group that is not this cluster's. */
    static boolean foreign(HandlerRuntime runtime, String handler, LifecycleEvent event) {
        if (runtime.settings().ownsGroup(event.groupName())) {
            return false;
        }
        runtime.log().line(handler, "ignored").field("instance", event.instanceId()).field("group", event.groupName())
                .field(MetricName.REASON_DIMENSION, Reason.FOREIGN_GROUP.label()).emit(runtime.clock().instant());
        return true;
    }

    static String foreignDetail(LifecycleEvent event) {
        return "group " + event.groupName() + " is not one of this cluster's";
    }
}
