package dev.raftlifecycle.decisions;

import java.util.Objects;

/**
 * A server in the Raft configuration (sys/storage/raft/configuration → data.config.servers[]).
 *
 * @param nodeId  the node_id; for nodes this project manages, the EC2 instance id
 * @param address the cluster address, host:port (e.g. 10.0.1.12:8201)
 */
public record RaftPeer(String nodeId, String address, boolean leader, boolean voter) {
    public RaftPeer {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(address, "address");
    }

    /** The host part of the address (IPv4, hostname or bracketed IPv6 without brackets). */
    public String host() {
        return hostOf(address);
    }

    /** The host part of a host:port address. */
    public static String hostOf(String address) {
        if (address.startsWith("[")) {
            int end = address.indexOf(']');
            return end > 0 ? address.substring(1, end) : address;
        }
        int colon = address.lastIndexOf(':');
        return colon > 0 ? address.substring(0, colon) : address;
    }
}
