package dev.raftlifecycle.events;

import dev.raftlifecycle.contract.LifecycleEvents;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.regex.Pattern;

/** Parses and validates the EventBridge JSON of a lifecycle action; every problem names its field. */
public final class LifecycleEventParser {
    public static final String SOURCE = LifecycleEvents.SOURCE;
    private static final Pattern TOKEN = Pattern.compile("[0-9A-Za-z-]{36}");

    private LifecycleEventParser() {
    }

    public static LifecycleEvent parse(byte[] json, LifecycleEvent.Kind expected) {
        JsonNode root = EventFields.object(json);
        String source = EventFields.string(root, "source", "source");
        if (!SOURCE.equals(source)) {
            throw new InvalidEventException("source", "must be '" + SOURCE + "', not '" + source + "'");
        }
        String detailType = EventFields.string(root, "detail-type", "detail-type");
        if (!expected.detailType().equals(detailType)) {
            throw new InvalidEventException("detail-type", "must be '" + expected.detailType() + "', not '" + detailType + "'");
        }
        JsonNode detail = root.get("detail");
        if (detail == null || detail.isNull()) {
            throw new InvalidEventException("detail", "is missing");
        }
        if (!detail.isObject()) {
            throw new InvalidEventException("detail", "must be an object");
        }
        String transition = EventFields.string(detail, "LifecycleTransition", "detail.LifecycleTransition");
        if (!expected.transition().equals(transition)) {
            throw new InvalidEventException("detail.LifecycleTransition",
                    "must be '" + expected.transition() + "', not '" + transition + "'");
        }
        String group = EventFields.string(detail, "AutoScalingGroupName", "detail.AutoScalingGroupName");
        String hook = EventFields.string(detail, "LifecycleHookName", "detail.LifecycleHookName");
        String instance = EventFields.string(detail, "EC2InstanceId", "detail.EC2InstanceId");
        if (!EventFields.INSTANCE_ID.matcher(instance).matches()) {
            throw new InvalidEventException("detail.EC2InstanceId", "is not an EC2 instance id: '" + instance + "'");
        }
        String token = EventFields.string(detail, "LifecycleActionToken", "detail.LifecycleActionToken");
        if (!TOKEN.matcher(token).matches()) {
            throw new InvalidEventException("detail.LifecycleActionToken", "is not a lifecycle action token");
        }
        String eventId = EventFields.optionalString(root, "id", "id").orElse("");
        return new LifecycleEvent(expected, eventId, EventFields.account(root), group, hook, instance, token, transition,
                EventFields.optionalString(detail, "NotificationMetadata", "detail.NotificationMetadata"),
                EventFields.optionalString(detail, "Origin", "detail.Origin"),
                EventFields.optionalString(detail, "Destination", "detail.Destination"));
    }
}
