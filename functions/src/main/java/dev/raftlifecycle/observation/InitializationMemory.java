package dev.raftlifecycle.observation;

import dev.raftlifecycle.decisions.NodeHealth;
import dev.raftlifecycle.ports.ClusterRecords;
import java.time.Clock;
import java.util.Map;

/**
 * Remembers, in the lock table, that the cluster has been seen initialized: written once per container by the first
 * observation in which a node answers as initialized, read only when every node answers "not initialized" (the
 * only case in which it changes a decision). Likewise that it has been read with a token (its access is set up):
 * written by the first observation that read it, read only when a login says the auth method does not exist.
 */
final class InitializationMemory {
    private final ClusterRecords records;
    private final Clock clock;
    private volatile boolean known;
    private volatile boolean accessKnown;

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

    /** Whether the cluster has ever been read with a token (failing to read the record: as if it had, the safe side). */
    boolean accessRecorded() {
        if (!accessKnown) {
            try {
                accessKnown = records.accessRecorded();
            } catch (RuntimeException e) {
                return true;
            }
        }
        return accessKnown;
    }

    /** Records that the cluster was read with a token, once per container. */
    void noteAccess() {
        if (accessKnown) {
            return;
        }
        try {
            records.recordAccess(clock.instant());
            accessKnown = true;
        } catch (RuntimeException e) {
            // best effort: the next observation records it
        }
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
