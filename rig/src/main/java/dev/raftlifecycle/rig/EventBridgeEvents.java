package dev.raftlifecycle.rig;

import dev.raftlifecycle.contract.LifecycleEvents;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/**
 * Lifecycle events exactly as EventBridge delivers them from Auto Scaling, for the tests and the lab to
 * hand to the handlers.
 */
public final class EventBridgeEvents {
    public static final String ACCOUNT = "123456789012";
    private static final ObjectMapper JSON = new ObjectMapper();

    private EventBridgeEvents() {
    }

    /** The event for an open lifecycle action. */
    public static byte[] forAction(LifecycleRecorder.LifecycleAction action, String origin, String destination) {
        return toBytes(build(action, origin, destination));
    }

    public static ObjectNode build(LifecycleRecorder.LifecycleAction action, String origin, String destination) {
        boolean terminate = action.transition().equals(LifecycleEvents.TERMINATING_TRANSITION);
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "0");
        root.put("id", UUID.randomUUID().toString());
        root.put("detail-type", terminate ? LifecycleEvents.TERMINATE_DETAIL_TYPE : LifecycleEvents.LAUNCH_DETAIL_TYPE);
        root.put("source", LifecycleEvents.SOURCE);
        root.put("account", ACCOUNT);
        root.put("time", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        root.put("region", Rig.REGION.id());
        root.putArray("resources").add("arn:aws:autoscaling:" + Rig.REGION.id() + ":" + ACCOUNT
                + ":autoScalingGroup:" + UUID.nameUUIDFromBytes(action.groupName().getBytes(StandardCharsets.UTF_8))
                + ":autoScalingGroupName/" + action.groupName());
        ObjectNode detail = root.putObject("detail");
        detail.put("LifecycleActionToken", action.token());
        detail.put("AutoScalingGroupName", action.groupName());
        detail.put("LifecycleHookName", action.hookName());
        detail.put("EC2InstanceId", action.instanceId());
        detail.put("LifecycleTransition", action.transition());
        if (origin != null) {
            detail.put("Origin", origin);
        }
        if (destination != null) {
            detail.put("Destination", destination);
        }
        return root;
    }

    /** Terminate events come from the group to EC2; launch events from EC2 to the group. */
    public static byte[] forAction(LifecycleRecorder.LifecycleAction action) {
        boolean terminate = action.transition().equals(LifecycleEvents.TERMINATING_TRANSITION);
        return forAction(action, terminate ? "AutoScalingGroup" : "EC2", terminate ? "EC2" : "AutoScalingGroup");
    }

    private static byte[] toBytes(ObjectNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new RigException("cannot encode event", e);
        }
    }
}
