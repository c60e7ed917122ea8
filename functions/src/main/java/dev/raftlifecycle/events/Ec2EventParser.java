package dev.raftlifecycle.events;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.contract.Ec2Events;
import java.util.Set;

/**
 * Parses and validates the EC2 events (and the schedule's) that the reconciler and the interruption handler take;
 * every problem names its field. Which kinds a handler accepts is the caller's: another kind is an error naming
 * the detail-type.
 */
public final class Ec2EventParser {

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

    /** An EC2 instance state-change notification, nothing else accepted (as the reconciler's state-change path). */
    public static Ec2Event.StateChange stateChange(byte[] json) {
        return (Ec2Event.StateChange) parse(json, java.util.EnumSet.of(Kind.STATE_CHANGE));
    }

    /**
     * @param accepted the kinds this handler takes; {@link Kind#SCHEDULED} also accepts an empty input or {@code {}}
     *                 (a manual invocation)
     */
    public static Ec2Event parse(byte[] json, Set<Kind> accepted) {
        EventFields.checkSize(json);
        if (accepted.contains(Kind.SCHEDULED) && new String(json, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            return new Ec2Event.Scheduled("", "");
        }
        JsonNode root = EventFields.object(json);
        if (root.isEmpty() && accepted.contains(Kind.SCHEDULED)) {
            return new Ec2Event.Scheduled("", "");
        }
        String source = EventFields.string(root, "source", "source");
        String detailType = EventFields.string(root, "detail-type", "detail-type");
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
        String eventId = EventFields.optionalString(root, "id", "id").orElse("");
        String account = EventFields.account(root);
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
        String instance = EventFields.string(detail, "instance-id", "detail.instance-id");
        if (!EventFields.INSTANCE_ID.matcher(instance).matches()) {
            throw new InvalidEventException("detail.instance-id", "is not an EC2 instance id: '" + instance + "'");
        }
        return switch (kind) {
            case STATE_CHANGE -> new Ec2Event.StateChange(eventId, account, instance, EventFields.string(detail, "state", "detail.state"));
            case SPOT_INTERRUPTION -> new Ec2Event.SpotInterruption(eventId, account, instance,
                    EventFields.string(detail, "instance-action", "detail.instance-action"), time(root));
            case REBALANCE -> new Ec2Event.RebalanceRecommendation(eventId, account, instance);
            case SCHEDULED -> throw new IllegalStateException("handled above");
        };
    }

    private static java.util.Optional<java.time.Instant> time(JsonNode root) {
        String time = EventFields.optionalString(root, "time", "time").orElse("");
        if (time.isEmpty()) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(java.time.Instant.parse(time));
        } catch (java.time.format.DateTimeParseException e) {
            throw new InvalidEventException("time", "is not an ISO-8601 instant: '" + time + "'");
        }
    }
}
