package dev.raftlifecycle.rig;

import dev.raftlifecycle.contract.ClusterSystem;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * A real Raft cluster started by the rig, of any system the handlers serve, wired to the emulator as a deployment is
 * to AWS (three AZ-pinned Auto Scaling groups with launch and terminate hooks, one server process per instance, node
 * id = instance id, TLS from a per-cluster CA). What every system-neutral test needs of it is here; each system's
 * class ({@link VaultCluster}, {@link ConsulCluster}) holds only what differs (binary, configuration, login and ACL
 * set-up, how the Raft configuration and autopilot are read, system-specific faults) and shares the rest:
 * {@link ClusterInstances} (the instances' side in the emulator, lifecycle actions, the heal), {@link ClusterNodes},
 * {@link RigGroups}, {@link TlsMaterial}, the recording front.
 *
 * <p>Adding a system: implement this interface (and {@link RaftNode}) over its server process, and
 * {@link Rig#start(ClusterSystem, ClusterSpec)} starts it.
 */
public interface RaftCluster extends AutoCloseable {
    ClusterSystem system();

    String name();

    ClusterSpec spec();

    Rig rig();

    List<String> groupNames();

    String launchHook();

    String terminateHook();

    /** The cluster CA's certificate (PEM), the handlers' trust anchor. */
    String caPem();

    /** The cluster's CA, which issues its nodes' certificates (and can issue odd ones for a test). */
    TlsMaterial tlsMaterial();

    /** The name the servers' certificates carry (VAULT_TLS_SERVER_NAME). */
    String tlsServerName();

    /** The servers' HTTPS API port. */
    int apiPort();

    /** An HTTP client trusting the cluster's CA, for the system's own API. */
    VaultHttp http();

    /** The operator's secret the rig holds (root or management token): never given to a handler, never logged. */
    String adminToken();

    /**
     * After a snapshot of another cluster was restored into this one, the cluster answers with that cluster's tokens
     * (Vault: its root token; Consul: its ACL tokens): the rig uses {@code token} (the other cluster's
     * {@link #adminToken()}) from now on.
     */
    void adoptAdminToken(String token);

    /**
     * Every secret of this cluster the rig can name, none of which may appear in a log: the admin token, and what the
     * system holds besides (Consul: the SecretID of every ACL token, the handlers' login tokens among them). Vault
     * tokens have a recognizable form and are matched by it instead.
     */
    default java.util.Set<String> knownSecrets() {
        return adminToken() == null ? java.util.Set.of() : java.util.Set.of(adminToken());
    }

    // ---- nodes ----------------------------------------------------------------------------------------

    Collection<? extends RaftNode> nodes();

    List<? extends RaftNode> runningNodes();

    /** The node of an instance; fails if it has none. */
    RaftNode node(String instanceId);

    /** The leader, asked of the running nodes. */
    Optional<? extends RaftNode> leader();

    default RaftNode awaitLeader(Duration timeout) {
        await("a leader", timeout, () -> leader().isPresent());
        return leader().orElseThrow();
    }

    /** A running follower (not the leader). */
    default RaftNode follower() {
        String leader = awaitLeader(Duration.ofSeconds(30)).instanceId();
        return runningNodes().stream().filter(n -> !n.instanceId().equals(leader)).findFirst()
                .orElseThrow(() -> new RigException("no running follower in " + name()));
    }

    /** A server process for an instance of this cluster's groups (a replacement), joining the others. */
    RaftNode startNode(String instanceId);

    // ---- Raft, autopilot, data ----------------------------------------------------------------------------

    /** Node ids (instance ids) in the Raft configuration. */
    Set<String> raftNodeIds();

    /** The server as autopilot reports it; empty if autopilot does not list it. */
    Optional<AutopilotServer> autopilotServer(String instanceId);

    /** Autopilot's verdict on the whole cluster. */
    boolean autopilotHealthy();

    /** Waits until autopilot reports the server a healthy voter (or leader). */
    void awaitVoter(String instanceId, Duration timeout);

    /** Removes a peer from the Raft configuration with the operator's secret (and whatever else the system keeps). */
    void removePeer(String instanceId);

    /** Writes a KV entry through any node; false if none took it. */
    boolean kvPut(String key, String value);

    /** Reads what {@link #kvPut} wrote; empty if absent or no node answered. */
    Optional<String> kvGet(String key);

    // ---- instances in the emulator ------------------------------------------------------------------------

    /** Instance ids of a group, in service or pending. */
    List<String> groupInstanceIds(String group);

    /** Raises a group's desired capacity by one; returns the new instance id (no server process yet). */
    String launchInstance(String group);

    /**
     * Terminates the instance through Auto Scaling without lowering desired capacity; the group launches the
     * replacement at once. Returns the replacement's id (no server process yet).
     */
    String replaceInstance(String instanceId);

    /** Terminates an instance through Auto Scaling lowering desired capacity, its process (if any) killed. */
    void retireInstance(String instanceId);

    /** Terminates the instance in EC2 directly (no Auto Scaling involvement, no replacement); the process stays. */
    void terminateInEc2(String instanceId);

    /** The instance lost as a failed host or a Spot interruption loses it: process killed, instance terminated. */
    default void loseInstance(String instanceId) {
        node(instanceId).kill();
        terminateInEc2(instanceId);
    }

    /** Tags every group of the cluster (not propagated to instances). */
    void tagGroups(String key, String value);

    void untagGroups(String key);

    /** Opens the terminate hook's lifecycle action for an instance (as Auto Scaling does on scale-in). */
    LifecycleRecorder.LifecycleAction openTermination(String instanceId);

    /** Opens the launch hook's lifecycle action for an instance of the given group. */
    LifecycleRecorder.LifecycleAction openLaunch(String groupName, String instanceId);

    /**
     * What Auto Scaling does after a terminate hook completes: the process killed, the instance gone, a replacement
     * launched. Returns the replacement's id (no server process yet).
     */
    String finishTermination(String instanceId);

    /**
     * Back to the spec: every node stopped, no longer a peer or gone from its group is retired and replaced, the
     * replacements awaited as healthy voters, autopilot healthy.
     */
    void heal(Duration timeout);

    // ---- waiting ----------------------------------------------------------------------------------------------

    /** Polls until the condition holds; on timeout fails with the cluster's diagnostics. */
    void await(String description, Duration timeout, BooleanSupplier condition);

    /** Node by node, for a failure report. */
    String diagnostics();

    @Override
    void close();
}
