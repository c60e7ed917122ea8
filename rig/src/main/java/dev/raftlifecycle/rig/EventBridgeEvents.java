package dev.raftlifecycle.rig;

import dev.raftlifecycle.contract.LifecycleEvents;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/**
 * Events exactly as EventBridge delivers them — lifecycle actions from Auto Scaling, state changes, Spot interruption
 * warnings and rebalance recommendations from EC2 — for the tests and the lab to hand to the handlers.
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

    /** "EC2 Instance State-change Notification", as EC2 sends it through EventBridge. */
    public static byte[] stateChange(String instanceId, String state) {
        ObjectNode root = ec2Event(dev.raftlifecycle.contract.Ec2Events.STATE_CHANGE_DETAIL_TYPE, instanceId);
        ((ObjectNode) root.get("detail")).put("state", state);
        return toBytes(root);
    }

    /** "EC2 Spot Instance Interruption Warning" (instance-action terminate, stop or hibernate), sent now. */
    public static byte[] spotInterruption(String instanceId, String instanceAction) {
        return spotInterruption(instanceId, instanceAction, Instant.now());
    }

    /** A warning EC2 sent at {@code time} (the instance is interrupted two minutes after it). */
    public static byte[] spotInterruption(String instanceId, String instanceAction, Instant time) {
        ObjectNode root = ec2Event(dev.raftlifecycle.contract.Ec2Events.SPOT_INTERRUPTION_DETAIL_TYPE, instanceId);
        root.put("time", time.truncatedTo(ChronoUnit.SECONDS).toString());
        ((ObjectNode) root.get("detail")).put("instance-action", instanceAction);
        return toBytes(root);
    }

    /** "EC2 Instance Rebalance Recommendation". */
    public static byte[] rebalance(String instanceId) {
        return toBytes(ec2Event(dev.raftlifecycle.contract.Ec2Events.REBALANCE_DETAIL_TYPE, instanceId));
    }

    /** The envelope of an EC2 event about one instance: resources name the instance's ARN. */
    public static ObjectNode ec2Event(String detailType, String instanceId) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "0");
        root.put("id", UUID.randomUUID().toString());
        root.put("detail-type", detailType);
        root.put("source", dev.raftlifecycle.contract.Ec2Events.SOURCE);
        root.put("account", ACCOUNT);
        root.put("time", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        root.put("region", Rig.REGION.id());
        root.putArray("resources").add("arn:aws:ec2:" + Rig.REGION.id() + ":" + ACCOUNT + ":instance/" + instanceId);
        root.putObject("detail").put("instance-id", instanceId);
        return root;
    }

    private static byte[] toBytes(ObjectNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new RigException("cannot encode event", e);
        }
    }
}
