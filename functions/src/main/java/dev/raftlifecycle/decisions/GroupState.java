package dev.raftlifecycle.decisions;

import java.util.Map;
import java.util.Optional;

/**
 * One of the cluster's Auto Scaling groups as described: its capacity (desired, min, max), its tags, its health-check
 * type and the launch template version it launches with.
 *
 * @param launchTemplateVersion as Auto Scaling reports it (a number, $Latest or $Default); empty when the group names
 *                              no launch template
 * @param launchTemplateId      the launch template (lt-...) the group launches with; empty when not known
 * @param terminateHookAbandon  what the group's instance lifecycle policy does with an instance whose terminate hook
 *                              was abandoned (InstanceLifecyclePolicy.RetentionTriggers.TerminateHookAbandon, e.g.
 *                              "retain"), as Auto Scaling says it; empty when it reports no policy ({@link RetainPolicy})
 */
public record GroupState(String name, int desiredCapacity, Map<String, String> tags, String healthCheckType,
                         int minSize, int maxSize, Optional<String> launchTemplateVersion,
                         Optional<String> launchTemplateId, Optional<String> terminateHookAbandon) {
    public GroupState {
        tags = Map.copyOf(tags);
    }

    /**
     * A group of which nothing is known about its instance lifecycle policy: it shows none, so the retain-policy gate
     * refuses removals ({@link RetainPolicy}) — the safe side for any caller that does not say. A group that retains
     * says so: {@link #withTerminateHookAbandon}.
     */
    public GroupState(String name, int desiredCapacity, Map<String, String> tags, String healthCheckType,
                      int minSize, int maxSize, Optional<String> launchTemplateVersion, Optional<String> launchTemplateId) {
        this(name, desiredCapacity, tags, healthCheckType, minSize, maxSize, launchTemplateVersion, launchTemplateId,
                Optional.empty());
    }

    /** The same group with this TerminateHookAbandon (empty: no instance lifecycle policy). */
    public GroupState withTerminateHookAbandon(Optional<String> value) {
        return new GroupState(name, desiredCapacity, tags, healthCheckType, minSize, maxSize, launchTemplateVersion,
                launchTemplateId, value);
    }

    /** A group whose launch template id is not known. */
    public GroupState(String name, int desiredCapacity, Map<String, String> tags, String healthCheckType,
                      int minSize, int maxSize, Optional<String> launchTemplateVersion) {
        this(name, desiredCapacity, tags, healthCheckType, minSize, maxSize, launchTemplateVersion, Optional.empty());
    }

    /** A group whose bounds are its desired capacity and whose launch template version is not known. */
    public GroupState(String name, int desiredCapacity, Map<String, String> tags, String healthCheckType) {
        this(name, desiredCapacity, tags, healthCheckType, desiredCapacity, desiredCapacity, Optional.empty());
    }

    /** A group with EC2 health checks (Auto Scaling's default). */
    public GroupState(String name, int desiredCapacity, Map<String, String> tags) {
        this(name, desiredCapacity, tags, "EC2");
    }
}
