package dev.raftlifecycle.decisions;

import java.util.List;
import java.util.Optional;

/**
 * What a cluster a snapshot is to go into says about itself, read through one of its nodes with the operator's token.
 *
 * @param leader       whether the node knows a leader (Vault: an active node; Consul: a Raft leader)
 * @param unsealed     whether the node is unsealed (Consul has no seal: always true when it answers)
 * @param appliedIndex the Raft index the node has applied (Vault: {@code sys/leader}'s raft_applied_index; Consul:
 *                     the leader's LastIndex in autopilot's health); {@link #UNKNOWN_INDEX} when it could not be read
 * @param userData     what the cluster holds beyond what a freshly initialized one holds, one short description per
 *                     kind (Vault: secret engines and auth methods beyond the built-in ones; Consul: KV keys,
 *                     services beyond {@code consul}); empty for a fresh cluster
 * @param leaderAddress who leads, as the node names it (Vault: the active node's api_addr; Consul: the leader's server
 *                      RPC address), to tell a settled leader from a changing one
 */
public record RestoreTarget(boolean leader, boolean unsealed, long appliedIndex, List<String> userData,
                            Optional<String> leaderAddress) {
    /** The applied index could not be read (Consul, when the token is refused after a restore). */
    public static final long UNKNOWN_INDEX = -1;

    public RestoreTarget {
        userData = List.copyOf(userData);
    }

    /** Serving: a leader, unsealed. */
    public boolean serving() {
        return leader && unsealed;
    }
}
