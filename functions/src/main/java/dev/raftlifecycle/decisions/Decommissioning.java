package dev.raftlifecycle.decisions;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Is the whole cluster being taken down? Only then may a termination bypass the quorum guard and the voter floor.
 * Per cluster, never per group: emptying one AZ's group while a voter elsewhere is dead is an ordinary termination.
 * It is a deployment's decision (DECOMMISSION, from the CDK context value {@code decommission}: turning it on is a
 * deploy) or a fact every group shows (desired capacity 0), never something a tag or an event can declare: anyone
 * allowed to tag a group could otherwise switch the guard off.
 */
public enum Decommissioning {
    /** An ordinary termination: every rule applies. */
    NONE,
    /** Every group of the cluster has desired capacity 0. */
    CLUSTER_EMPTY,
    /** The deployment declares it (DECOMMISSION=true). */
    DECLARED;

    public boolean active() {
        return this != NONE;
    }

    /**
     * @param expectedGroups the cluster's configured group names: a group that was not described is unknown, and an
     *                       unknown group is never counted as empty
     * @param declared       DECOMMISSION=true in the function's configuration
     */
    public static Decommissioning of(List<GroupState> groups, List<String> expectedGroups, boolean declared) {
        if (declared) {
            return DECLARED;
        }
        Set<String> described = groups.stream().map(GroupState::name).collect(Collectors.toSet());
        if (expectedGroups.isEmpty() || !described.containsAll(expectedGroups)) {
            return NONE;
        }
        List<GroupState> ours = groups.stream().filter(g -> expectedGroups.contains(g.name())).toList();
        return ours.stream().allMatch(g -> g.desiredCapacity() == 0) ? CLUSTER_EMPTY : NONE;
    }
}
