package dev.raftlifecycle.contract;

/**
 * How the handlers log in to Consul, and with which rights. One ACL auth method of type {@code aws-iam}; its binding
 * rules give the read-only ACL role to the launching handler's and the publisher's IAM roles and the mutating ACL role
 * to the terminating, reconciler and interruption handlers' IAM roles (by the IAM role's name, {@code entity_name}).
 * Consul has no login "role" parameter: the caller's identity chooses.
 */
public final class ConsulAccess {
    /** The auth method's name (the handlers' VAULT_AUTH_MOUNT default when SYSTEM=consul). */
    public static final String AUTH_METHOD = "raft-lifecycle-aws-iam";
    /** The header the auth method's ServerIDHeaderValue is checked in (Consul's default name). */
    public static final String SERVER_ID_HEADER = "X-Consul-IAM-ServerID";
    /** {@code operator = "read"}: Raft configuration, autopilot health and configuration. */
    public static final String READ_POLICY = "raft-lifecycle-read";
    public static final String READ_ROLE = "raft-lifecycle-read";
    /**
     * {@code operator = "write"}: also remove-peer, force-leave and leadership transfer; and {@code agent:write} on
     * agents named like EC2 instances, for the graceful leave a terminating server is asked to make.
     */
    public static final String MUTATING_POLICY = "raft-lifecycle";
    public static final String MUTATING_ROLE = "raft-lifecycle";
    /**
     * The snapshot function. Consul's snapshot endpoint asks for {@code acl = "write"} (a snapshot holds every ACL
     * token, so reading one is as good as acl:write: Consul does not pretend otherwise); nothing else is granted.
     */
    public static final String SNAPSHOT_POLICY = "raft-lifecycle-snapshot";
    public static final String SNAPSHOT_ROLE = "raft-lifecycle-snapshot";
    public static final String SNAPSHOT_RULES = "acl = \"write\"\n";
    /** The policies' rules (HCL), shipped with the functions and used by the rig and the operator's setup. */
    /** Read the Raft and autopilot state, and the servers' own telemetry (agent/metrics: the leader's commit time). */
    public static final String READ_RULES = "operator = \"read\"\nagent_prefix \"i-\" {\n  policy = \"read\"\n}\n";
    public static final String MUTATING_RULES = "operator = \"write\"\nagent_prefix \"i-\" {\n  policy = \"write\"\n}\n";

    /**
     * The servers' own login, for their agent token: a second aws-iam auth method bound only to the server instance
     * role, without a MaxTokenTTL (an agent token must last as long as its instance; one is minted per instance, on
     * its first boot), whose binding rule gives {@link #AGENT_ROLE}. A method of its own, so the handlers' method
     * keeps its short TTL.
     */
    public static final String AGENT_AUTH_METHOD = "raft-lifecycle-agent-aws-iam";
    public static final String AGENT_POLICY = "raft-lifecycle-agent";
    public static final String AGENT_ROLE = "raft-lifecycle-agent";
    /**
     * What a server agent's token needs: write its own node (named like an EC2 instance: the policy cannot name one
     * instance, so it covers the cluster's {@code i-} nodes) and read services for anti-entropy.
     */
    public static final String AGENT_RULES = "node_prefix \"i-\" {\n  policy = \"write\"\n}\n"
            + "service_prefix \"\" {\n  policy = \"read\"\n}\n";

    private ConsulAccess() {
    }
}
