package dev.raftlifecycle.decisions;

import java.util.Map;

/** One of the cluster's Auto Scaling groups as described: its desired capacity and its tags. */
public record GroupState(String name, int desiredCapacity, Map<String, String> tags) {
    public GroupState {
        tags = Map.copyOf(tags);
    }
}
