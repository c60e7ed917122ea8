package dev.raftlifecycle.events;

import java.util.Optional;

/**
 * An Auto Scaling lifecycle action as EventBridge delivers it ({@code source} aws.autoscaling,
 * {@code detail-type} "EC2 Instance-terminate Lifecycle Action" or "EC2 Instance-launch Lifecycle Action").
 *
 * @param eventId     EventBridge's event id (duplicates share it)
 * @param origin      Origin (EC2, AutoScalingGroup, WarmPool), when present
 * @param destination Destination (EC2, AutoScalingGroup, WarmPool), when present
 */
public record LifecycleEvent(Kind kind, String eventId, String groupName, String hookName, String instanceId,
                             String token, String transition, Optional<String> notificationMetadata,
                             Optional<String> origin, Optional<String> destination) {

    /** Which lifecycle transition the event is about. */
    public enum Kind {
        TERMINATE("EC2 Instance-terminate Lifecycle Action", "autoscaling:EC2_INSTANCE_TERMINATING"),
        LAUNCH("EC2 Instance-launch Lifecycle Action", "autoscaling:EC2_INSTANCE_LAUNCHING");

        private final String detailType;
        private final String transition;

        Kind(String detailType, String transition) {
            this.detailType = detailType;
            this.transition = transition;
        }

        public String detailType() {
            return detailType;
        }

        public String transition() {
            return transition;
        }
    }

    /** Launching into the warm pool: the instance must not join while warm. */
    public boolean intoWarmPool() {
        return destination.map("WarmPool"::equalsIgnoreCase).orElse(false);
    }
}
