package dev.raftlifecycle.events;

import dev.raftlifecycle.contract.LifecycleEvents;
import java.util.Optional;

/**
 * An Auto Scaling lifecycle action as EventBridge delivers it ({@code source} aws.autoscaling,
 * {@code detail-type} "EC2 Instance-terminate Lifecycle Action" or "EC2 Instance-launch Lifecycle Action").
 *
 * @param eventId     EventBridge's event id (duplicates share it)
 * @param account     the account the event comes from ("" when the event names none)
 * @param origin      Origin (EC2, AutoScalingGroup, WarmPool), when present
 * @param destination Destination (EC2, AutoScalingGroup, WarmPool), when present
 */
public record LifecycleEvent(Kind kind, String eventId, String account, String groupName, String hookName, String instanceId,
                             String token, String transition, Optional<String> notificationMetadata,
                             Optional<String> origin, Optional<String> destination) {

    /** Which lifecycle transition the event is about. */
    public enum Kind {
        TERMINATE(LifecycleEvents.TERMINATE_DETAIL_TYPE, LifecycleEvents.TERMINATING_TRANSITION),
        LAUNCH(LifecycleEvents.LAUNCH_DETAIL_TYPE, LifecycleEvents.LAUNCHING_TRANSITION);

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
