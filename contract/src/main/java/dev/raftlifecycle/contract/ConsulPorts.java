package dev.raftlifecycle.contract;

/** Consul server ports as the nodes, the security groups and the handlers use them (Consul's defaults). */
public final class ConsulPorts {
    /** The HTTPS API (clients, the handlers). The plain-HTTP port 8500 is disabled on the nodes. */
    public static final int HTTPS = 8501;
    /** Server RPC and Raft. */
    public static final int SERVER_RPC = 8300;
    /** LAN gossip (Serf), TCP and UDP. */
    public static final int SERF_LAN = 8301;

    private ConsulPorts() {
    }
}
