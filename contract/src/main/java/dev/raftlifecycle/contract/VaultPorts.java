package dev.raftlifecycle.contract;

/** Vault's listener ports as the nodes, the load balancer, the security groups and the handlers use them. */
public final class VaultPorts {
    /** The API (clients, the load balancer's health check, the handlers). */
    public static final int API = 8200;
    /** Cluster traffic between servers (Raft, request forwarding). */
    public static final int CLUSTER = 8201;

    private VaultPorts() {
    }
}
