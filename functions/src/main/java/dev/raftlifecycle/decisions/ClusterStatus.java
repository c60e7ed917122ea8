package dev.raftlifecycle.decisions;

import java.util.List;
import java.util.Map;

/**
 * The cluster as the read-only publisher sees it, returned by its status entry point ({@code {"status":true}}): what
 * an operator wants at a glance and what scripts/rolling-upgrade gates each step on. Nothing here is a claim of the
 * caller: every field comes from Auto Scaling's, EC2's or the cluster's own answer in one observation.
 *
 * @param observedAt       when the observation finished (ISO-8601)
 * @param system           vault or consul
 * @param healthy          a leader is present, every voter in the Raft configuration answers healthy, every InService
 *                         instance of the groups is a voter, no peer is stale (matches no running instance), no node's
 *                         certificate is refused
 * @param problems         why not healthy, one line each (empty when healthy)
 * @param leader           the leader, or null when the cluster has none (or could not be read)
 * @param voters           voters in the Raft configuration
 * @param healthyVoters    voters that answer healthy
 * @param failureTolerance the lower of autopilot's failure tolerance and healthyVoters - (voters / 2 + 1), at least 0;
 *                         null when the Raft configuration could not be read
 * @param versions         server version to the number of nodes reporting it
 * @param groups           the cluster's Auto Scaling groups, in configuration order
 * @param instances        every instance of the groups, in group order then instance id
 * @param unmatchedPeers   Raft peers that match no instance of the groups
 * @param pendingActions   instances waiting in a lifecycle hook (Pending:Wait, Terminating:Wait and their Proceed)
 */
public record ClusterStatus(String observedAt, String system, boolean healthy, List<String> problems, Leader leader,
                            int voters, int healthyVoters, Integer failureTolerance, Map<String, Integer> versions,
                            List<Group> groups, List<Instance> instances, List<Peer> unmatchedPeers,
                            List<PendingAction> pendingActions) {

    /** The leader: its Raft node id and, when it matches one, the instance it runs on. */
    public record Leader(String nodeId, String instanceId) {
    }

    /**
     * @param launchTemplateVersion the launch template version the group launches with, as Auto Scaling reports it
     *                              (a number, or $Latest/$Default); null when the group has no launch template
     */
    public record Group(String name, int desiredCapacity, int minSize, int maxSize, String launchTemplateVersion) {
    }

    /**
     * @param launchTemplateVersion the version the instance was launched with, as Auto Scaling reports it; null if none
     * @param nodeId                the Raft peer this instance is (matched as every handler matches), or null
     * @param health                the node's own health answer ({@link NodeHealth.State} name), or null if not probed
     * @param healthyVoter          a voter whose own answer is healthy
     * @param version               the server version the node reported, or null
     */
    public record Instance(String instanceId, String group, String lifecycleState, String launchTemplateVersion,
                           String nodeId, boolean voter, boolean leader, String health, boolean healthyVoter,
                           String version) {
    }

    public record Peer(String nodeId, String address, boolean voter, boolean leader) {
    }

    public record PendingAction(String instanceId, String lifecycleState) {
    }

    public ClusterStatus {
        problems = List.copyOf(problems);
        versions = Map.copyOf(versions);
        groups = List.copyOf(groups);
        instances = List.copyOf(instances);
        unmatchedPeers = List.copyOf(unmatchedPeers);
        pendingActions = List.copyOf(pendingActions);
    }
}
