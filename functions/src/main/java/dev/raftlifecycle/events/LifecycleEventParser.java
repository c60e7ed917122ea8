package dev.raftlifecycle.events;

import dev.raftlifecycle.contract.LifecycleEvents;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;
import java.util.regex.Pattern;

/** Parses and validates the EventBridge JSON of a lifecycle action; every problem names its field. */
public final class LifecycleEventParser {
    public static final String SOURCE = LifecycleEvents.SOURCE;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    private static final Pattern INSTANCE_ID = Pattern.compile("i-[0-9a-f]{8,17}");
    private static final Pattern TOKEN = Pattern.compile("[0-9A-Za-z-]{36}");
    private static final int MAX_EVENT_BYTES = 256 * 1024;

    private LifecycleEventParser() {
    }

    public static LifecycleEvent parse(byte[] json, LifecycleEvent.Kind expected) {
        if (json.length == 0) {
            throw new InvalidEventException("event", "is empty");
        }
        if (json.length > MAX_EVENT_BYTES) {
            throw new InvalidEventException("event", "is larger than 256 KiB (" + json.length + " bytes)");
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidEventException("event", "malformed JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new InvalidEventException("event", "unreadable: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidEventException("event", "must be a JSON object");
        }
        String source = string(root, "source", "source");
        if (!SOURCE.equals(source)) {
            throw new InvalidEventException("source", "must be '" + SOURCE + "', not '" + source + "'");
        }
        String detailType = string(root, "detail-type", "detail-type");
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
        String transition = string(detail, "LifecycleTransition", "detail.LifecycleTransition");
        if (!expected.transition().equals(transition)) {
            throw new InvalidEventException("detail.LifecycleTransition",
                    "must be '" + expected.transition() + "', not '" + transition + "'");
        }
        String group = string(detail, "AutoScalingGroupName", "detail.AutoScalingGroupName");
        String hook = string(detail, "LifecycleHookName", "detail.LifecycleHookName");
        String instance = string(detail, "EC2InstanceId", "detail.EC2InstanceId");
        if (!INSTANCE_ID.matcher(instance).matches()) {
            throw new InvalidEventException("detail.EC2InstanceId", "is not an EC2 instance id: '" + instance + "'");
        }
        String token = string(detail, "LifecycleActionToken", "detail.LifecycleActionToken");
        if (!TOKEN.matcher(token).matches()) {
            throw new InvalidEventException("detail.LifecycleActionToken", "is not a lifecycle action token");
        }
        String eventId = optionalString(root, "id", "id").orElse("");
        return new LifecycleEvent(expected, eventId, group, hook, instance, token, transition,
                optionalString(detail, "NotificationMetadata", "detail.NotificationMetadata"),
                optionalString(detail, "Origin", "detail.Origin"),
                optionalString(detail, "Destination", "detail.Destination"));
    }

    private static String string(JsonNode node, String name, String path) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            throw new InvalidEventException(path, "is missing");
        }
        if (!value.isTextual()) {
            throw new InvalidEventException(path, "must be a string, not " + value.getNodeType().name().toLowerCase());
        }
        if (value.asText().isBlank()) {
            throw new InvalidEventException(path, "is empty");
        }
        return value.asText();
    }

    private static Optional<String> optionalString(JsonNode node, String name, String path) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw new InvalidEventException(path, "must be a string, not " + value.getNodeType().name().toLowerCase());
        }
        return Optional.of(value.asText());
    }
}
