package dev.raftlifecycle.observation;

import dev.raftlifecycle.decisions.NodeHealth;
import dev.raftlifecycle.ports.ClusterRecords;
import java.time.Clock;
import java.util.Map;

/**
 * Remembers, in the lock table, that the cluster has been seen initialized: written once per container by the first
 * observation in which a node answers as initialized, read only when every node answers "not initialized" (the
 * only case in which it changes a decision).
 */
final class InitializationMemory {
    private final ClusterRecords records;
    private final Clock clock;
    private volatile boolean known;

    InitializationMemory(ClusterRecords records, Clock clock) {
        this.records = records;
        this.clock = clock;
    }

    boolean recorded() {
        if (!known) {
            known = records.initializedRecorded();
        }
        return known;
    }

    /** Records the cluster initialized if a node says so and this container has not recorded it yet. */
    void note(Map<String, NodeHealth> health) {
        if (known || health.values().stream().noneMatch(NodeHealth::initialized)) {
            return;
        }
        try {
            records.recordInitialized(clock.instant());
            known = true;
        } catch (RuntimeException e) {
            // best effort: the next observation (any handler, the publisher every minute) records it
        }
    }
}
