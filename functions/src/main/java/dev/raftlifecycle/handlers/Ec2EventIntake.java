package dev.raftlifecycle.handlers;

import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.decisions.EventScope;
import dev.raftlifecycle.events.Ec2Event;
import dev.raftlifecycle.events.Ec2EventParser;
import dev.raftlifecycle.ports.Ec2Port;
import java.util.Optional;
import java.util.Set;

/**
 * The first steps of the handlers that take EC2 events (the reconciler, the interruption handler): parse (a bad event
 * fails the invocation naming the field, after one log line and before any call), then tell whether the event's
 * instance is this cluster's (one DescribeInstances; another account's or another cluster's instance is ignored with
 * one log line and no Vault call).
 */
final class Ec2EventIntake {
    private Ec2EventIntake() {
    }

    static Ec2Event parse(HandlerRuntime runtime, String handler, byte[] input, Set<Ec2EventParser.Kind> kinds) {
        try {
            return Ec2EventParser.parse(input, kinds);
        } catch (RuntimeException e) {
            runtime.log().line(handler, "invalid-event").field("error", e.getMessage()).emit(runtime.clock().instant());
            throw e;
        }
    }

    /** The event's instance as EC2 describes it, and whether it is this cluster's. */
    record Subject(String instanceId, Optional<Ec2Port.Membership> membership, EventScope.Scope scope) {
        String ec2State() {
            return membership.map(m -> m.instance().state()).orElse("unknown");
        }
    }

    static Subject subject(HandlerRuntime runtime, String handler, Ec2Event event, String instanceId) {
        String ownAccount = runtime.settings().accountId();
        // Another account's event, or one naming none, is refused before any call.
        Optional<Ec2Port.Membership> membership = EventScope.accountRefusal(event.account(), ownAccount).isPresent()
                ? Optional.empty() : runtime.ec2().membership(instanceId);
        EventScope.Scope scope = EventScope.of(event.account(), ownAccount, membership.isPresent(),
                membership.flatMap(Ec2Port.Membership::groupName), membership.flatMap(Ec2Port.Membership::clusterName),
                runtime.settings().groupNames(), runtime.settings().clusterName());
        if (scope != EventScope.Scope.OURS) {
            DecisionLog.Line line = runtime.log().line(handler, "ignored").field("instance", instanceId)
                    .field("eventId", event.eventId()).field("account", event.account())
                    .field("group", membership.flatMap(Ec2Port.Membership::groupName).orElse(null))
                    .field(MetricName.REASON_DIMENSION, scope.reason().label());
            if (scope != EventScope.Scope.FOREIGN_INSTANCE) {
                // Every instance of the region reaches these rules, so another instance is ordinary; another account's
                // event, or one naming none, is not.
                line.metric(MetricName.CLAIMS_NOT_CONFIRMED, 1);
            }
            line.emit(runtime.clock().instant());
        }
        return new Subject(instanceId, membership, scope);
    }
}
