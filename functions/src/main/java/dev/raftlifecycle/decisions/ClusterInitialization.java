package dev.raftlifecycle.decisions;

import java.util.List;
import java.util.Optional;

/**
 * Has anyone run {@code vault operator init} on this cluster? Both lifecycle handlers let the first deploy through
 * (CONTINUE, reason cluster-uninitialized) so that the groups do not replace uninitialized nodes in a loop, but only
 * on positive evidence, never from an empty set: every running instance of the cluster (in any lifecycle state,
 * including terminating and retained ones) answered sys/health, none is initialized, and at least one other than the
 * subject answered. Once any node has been seen initialized (recorded in the lock table), the cluster is
 * initialized for good.
 */
public enum ClusterInitialization {
    INITIALIZED,
    UNINITIALIZED,
    /** Not enough answers to tell (an instance did not answer, or there is no other instance). */
    UNKNOWN;

    /**
     * @param subject the instance the invocation is about (a launching node), which must not be its own evidence; empty
     *                when every running instance counts (a termination: the terminating node is evidence too)
     */
    public static ClusterInitialization judge(ClusterSnapshot s, Optional<String> subject) {
        if (s.initializedRecorded() || s.health().values().stream().anyMatch(NodeHealth::initialized)
                || s.peerHealth().values().stream().anyMatch(NodeHealth::initialized)) {
            return INITIALIZED;
        }
        List<ClusterInstance> running = s.runningInstances();
        List<ClusterInstance> witnesses = running.stream()
                .filter(i -> subject.map(id -> !id.equals(i.instanceId())).orElse(true)).toList();
        if (witnesses.isEmpty()) {
            return UNKNOWN;
        }
        boolean allAnswered = running.stream()
                .allMatch(i -> Optional.ofNullable(s.health().get(i.instanceId())).map(NodeHealth::answered).orElse(false));
        boolean allUninitialized = running.stream()
                .allMatch(i -> Optional.ofNullable(s.health().get(i.instanceId()))
                        .map(h -> h.state() == NodeHealth.State.UNINITIALIZED).orElse(false));
        return allAnswered && allUninitialized ? UNINITIALIZED : UNKNOWN;
    }
}
