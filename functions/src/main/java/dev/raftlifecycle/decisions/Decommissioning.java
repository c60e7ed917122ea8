package dev.raftlifecycle.decisions;

import dev.raftlifecycle.contract.ClusterTags;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Is the whole cluster being taken down? Only then may a termination bypass the quorum guard and the voter floor.
 * Per cluster, never per group: emptying one AZ's group while a voter elsewhere is dead is an ordinary termination.
 */
public enum Decommissioning {
    /** An ordinary termination: every rule applies. */
    NONE,
    /** Every group of the cluster has desired capacity 0. */
    CLUSTER_EMPTY,
    /** Every group of the cluster carries the decommission tag (the operator declared it, e.g. before a stack delete). */
    DECLARED;

    public boolean active() {
        return this != NONE;
    }

    /**
     * @param expectedGroups the cluster's configured group names: a group that was not described is unknown, and an
     *                       unknown group is never counted as empty
     */
    public static Decommissioning of(List<GroupState> groups, List<String> expectedGroups) {
        Set<String> described = groups.stream().map(GroupState::name).collect(Collectors.toSet());
        if (expectedGroups.isEmpty() || !described.containsAll(expectedGroups)) {
            return NONE;
        }
        List<GroupState> ours = groups.stream().filter(g -> expectedGroups.contains(g.name())).toList();
        if (ours.stream().allMatch(g -> g.desiredCapacity() == 0)) {
            return CLUSTER_EMPTY;
        }
        if (ours.stream().allMatch(g -> ClusterTags.DECOMMISSION_VALUE.equalsIgnoreCase(
                g.tags().getOrDefault(ClusterTags.DECOMMISSION, "")))) {
            return DECLARED;
        }
        return NONE;
    }
}
