package dev.raftlifecycle.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.contract.Ec2Events;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses and validates the EC2 events (and the schedule's) that the reconciler and the interruption handler take;
 * every problem names its field. Which kinds a handler accepts is the caller's: another kind is an error naming
 * the detail-type.
 */
public final class Ec2EventParser {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    private static final Pattern INSTANCE_ID = Pattern.compile("i-[0-9a-f]{8,17}");
    private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
    private static final int MAX_EVENT_BYTES = 256 * 1024;

    /** The kinds of event a handler takes. */
    public enum Kind {
        SCHEDULED(Ec2Events.SCHEDULE_SOURCE, Ec2Events.SCHEDULED_DETAIL_TYPE),
        STATE_CHANGE(Ec2Events.SOURCE, Ec2Events.STATE_CHANGE_DETAIL_TYPE),
        SPOT_INTERRUPTION(Ec2Events.SOURCE, Ec2Events.SPOT_INTERRUPTION_DETAIL_TYPE),
        REBALANCE(Ec2Events.SOURCE, Ec2Events.REBALANCE_DETAIL_TYPE);

        final String source;
        final String detailType;

        Kind(String source, String detailType) {
            this.source = source;
            this.detailType = detailType;
        }
    }

    private Ec2EventParser() {
    }

    /**
     * @param accepted the kinds this handler takes; {@link Kind#SCHEDULED} also accepts an empty input or {@code {}}
     *                 (a manual invocation)
     */
    public static Ec2Event parse(byte[] json, Set<Kind> accepted) {
        if (json.length > MAX_EVENT_BYTES) {
            throw new InvalidEventException("event", "is larger than 256 KiB (" + json.length + " bytes)");
        }
        if (accepted.contains(Kind.SCHEDULED) && new String(json, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            return new Ec2Event.Scheduled("", "");
        }
        if (json.length == 0) {
            throw new InvalidEventException("event", "is empty");
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
        if (root.isEmpty() && accepted.contains(Kind.SCHEDULED)) {
            return new Ec2Event.Scheduled("", "");
        }
        String source = string(root, "source", "source");
        String detailType = string(root, "detail-type", "detail-type");
        Kind kind = null;
        for (Kind k : accepted) {
            if (k.detailType.equals(detailType)) {
                kind = k;
            }
        }
        if (kind == null) {
            throw new InvalidEventException("detail-type", "must be one of " + accepted.stream().map(k -> "'" + k.detailType
                    + "'").sorted().toList() + ", not '" + detailType + "'");
        }
        if (!kind.source.equals(source)) {
            throw new InvalidEventException("source", "must be '" + kind.source + "' for '" + detailType + "', not '"
                    + source + "'");
        }
        String eventId = optional(root, "id", "id");
        String account = optional(root, "account", "account");
        if (!account.isEmpty() && !ACCOUNT.matcher(account).matches()) {
            throw new InvalidEventException("account", "is not an AWS account id: '" + account + "'");
        }
        if (kind == Kind.SCHEDULED) {
            return new Ec2Event.Scheduled(eventId, account);
        }
        JsonNode detail = root.get("detail");
        if (detail == null || detail.isNull()) {
            throw new InvalidEventException("detail", "is missing");
        }
        if (!detail.isObject()) {
            throw new InvalidEventException("detail", "must be an object");
        }
        String instance = string(detail, "instance-id", "detail.instance-id");
        if (!INSTANCE_ID.matcher(instance).matches()) {
            throw new InvalidEventException("detail.instance-id", "is not an EC2 instance id: '" + instance + "'");
        }
        return switch (kind) {
            case STATE_CHANGE -> new Ec2Event.StateChange(eventId, account, instance, string(detail, "state", "detail.state"));
            case SPOT_INTERRUPTION -> new Ec2Event.SpotInterruption(eventId, account, instance,
                    string(detail, "instance-action", "detail.instance-action"), time(root));
            case REBALANCE -> new Ec2Event.RebalanceRecommendation(eventId, account, instance);
            case SCHEDULED -> throw new IllegalStateException("handled above");
        };
    }

    private static java.util.Optional<java.time.Instant> time(JsonNode root) {
        String time = optional(root, "time", "time");
        if (time.isEmpty()) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(java.time.Instant.parse(time));
        } catch (java.time.format.DateTimeParseException e) {
            throw new InvalidEventException("time", "is not an ISO-8601 instant: '" + time + "'");
        }
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

    private static String optional(JsonNode node, String name, String path) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            return "";
        }
        if (!value.isTextual()) {
            throw new InvalidEventException(path, "must be a string, not " + value.getNodeType().name().toLowerCase());
        }
        return value.asText();
    }
}
