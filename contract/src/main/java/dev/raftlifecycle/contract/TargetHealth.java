package dev.raftlifecycle.contract;

/**
 * The load balancer's health check of the Vault servers (the CDK app's target group), in one place: the CDK app
 * configures it, the lab's stand-in imitates it, and the publisher knows from it when the load balancer will have
 * seen every node healthy (before it lets the groups act on the load balancer's verdict).
 */
public final class TargetHealth {
    /** {@code sys/health} with standbys (and performance standbys) answering 200 too. */
    public static final String PATH = "/v1/sys/health?standbyok=true&perfstandbyok=true";
    /**
     * Consul servers: {@code status/leader}, the one read that needs no ACL token (ACLs deny by default), answered by
     * every server whose HTTPS API serves. It says nothing about quorum (200 with no leader too); the publisher's
     * metrics do.
     */
    public static final String CONSUL_PATH = "/v1/status/leader";
    public static final int INTERVAL_SECONDS = 10;
    public static final int HEALTHY_THRESHOLD = 2;
    public static final int UNHEALTHY_THRESHOLD = 2;
    /** Seconds from a node's first passing check until the load balancer counts it healthy. */
    public static final int SECONDS_TO_HEALTHY = INTERVAL_SECONDS * HEALTHY_THRESHOLD;

    private TargetHealth() {
    }

    /**
     * Whether a node answering {@code sys/health} (without the query) with this status passes the check: active
     * (200), standby (429) and performance standby (473) get 200 with the check's query; anything else fails it.
     */
    public static boolean passes(int plainHealthStatus) {
        return plainHealthStatus == 200 || plainHealthStatus == 429 || plainHealthStatus == 473;
    }
}
