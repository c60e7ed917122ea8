package dev.raftlifecycle.decisions;

import java.util.Map;

/** One of the cluster's Auto Scaling groups as described: its desired capacity, its tags, its health-check type. */
public record GroupState(String name, int desiredCapacity, Map<String, String> tags, String healthCheckType) {
    public GroupState {
        tags = Map.copyOf(tags);
    }

    /** A group with EC2 health checks (Auto Scaling's default). */
    public GroupState(String name, int desiredCapacity, Map<String, String> tags) {
        this(name, desiredCapacity, tags, "EC2");
    }
}
