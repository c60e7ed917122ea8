package dev.raftlifecycle.handlers;

import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.decisions.EventScope;
import dev.raftlifecycle.decisions.Reason;
import dev.raftlifecycle.events.LifecycleEvent;
import dev.raftlifecycle.events.LifecycleEventParser;
import java.util.Optional;

/**
 * The first step of both lifecycle handlers: parse the event (a bad one fails the invocation, naming the field,
 * after one log line and before any call), refuse an event that names no account or another than the function's own
 * (counted: ClaimsNotConfirmed), and keep only this cluster's groups (another group's event is ignored with one log
 * line). Nothing is called for a refused or ignored event.
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

    /** Why an event is not acted on at all, and in words. */
    record Refusal(Reason reason, String detail) {
    }

    /** The refusal (logged) of an event from another account or none, or for a group that is not this cluster's. */
    static Optional<Refusal> refusal(HandlerRuntime runtime, String handler, LifecycleEvent event) {
        Optional<Reason> account = EventScope.accountRefusal(event.account(), runtime.settings().accountId());
        Refusal refusal;
        if (account.isPresent()) {
            refusal = new Refusal(account.get(), event.account().isEmpty() ? "the event names no account"
                    : "the event comes from account " + event.account() + ", not this function's");
        } else if (!runtime.settings().ownsGroup(event.groupName())) {
            refusal = new Refusal(Reason.FOREIGN_GROUP, "group " + event.groupName() + " is not one of this cluster's");
        } else {
            return Optional.empty();
        }
        DecisionLog.Line line = runtime.log().line(handler, "ignored").field("instance", event.instanceId())
                .field("group", event.groupName()).field("account", event.account())
                .field(MetricName.REASON_DIMENSION, refusal.reason().label()).field("detail", refusal.detail());
        if (account.isPresent()) {
            line.metric(MetricName.CLAIMS_NOT_CONFIRMED, 1);
        }
        line.emit(runtime.clock().instant());
        return Optional.of(refusal);
    }
}
