package dev.raftlifecycle.rig;

import dev.raftlifecycle.contract.VaultPorts;
import dev.raftlifecycle.contract.ClusterTags;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * A real Vault Raft cluster started by the rig, wired to the emulator exactly as the deployment wires it
 * to AWS: three AZ-pinned Auto Scaling groups with launch and terminate hooks, one Vault process per
 * instance the emulator assigns (node_id = instance id, bound to the instance's private IP; a
 * {@link ClusterSpec#asForeign() foreign} cluster: UUID node ids, DNS-name addresses, no hooks), auto-unseal
 * through the emulator's KMS, the AWS IAM auth method pointed at the emulator's STS/IAM, and the Lambda
 * policy from the repository.
 *
 * <p>The work is shared out: {@link ClusterInstances} (the instances' side in the emulator, lifecycle actions, the
 * heal; the same for every system), {@link VaultClusterStartup} (the KMS key, the nodes' start, init and
 * configuration), {@link VaultClusterFaults} (Vault's own: retire with remove-peer, restart),
 * {@link VaultClusterChecks} (KV and root-token calls, leader, Raft and autopilot reads, waits, diagnostics) and
 * {@link ClusterNodes} (the nodes by instance id). This class is their public face.
 */
public final class VaultCluster implements RaftCluster {
    /** The EC2 tag the groups propagate to instances; what Vault's auto_join looks for in AWS. */
    public static final String CLUSTER_TAG = ClusterTags.CLUSTER;

    private static final int VAULT_API_PORT = VaultPorts.API;

    private final Rig rig;
    private final ClusterSpec spec;
    private final int octet;
    private final int apiPort;
    private final TlsMaterial tls;
    private final Path caFile;
    private final VaultHttp http;
    private final List<VaultRelay> relays = new ArrayList<>();
    private final ClusterNodes<VaultNode> nodes;
    private final ClusterInstances<VaultNode> instances;
    private final VaultClusterChecks checks;
    private final VaultClusterStartup startup;
    private final VaultClusterFaults faults;

    private VaultCluster(Rig rig, ClusterSpec spec, int octet, int apiPort) {
        this.rig = rig;
        this.spec = spec;
        this.octet = octet;
        this.apiPort = apiPort;
        Path dir = rig.workDir().resolve(spec.name());
        this.tls = TlsMaterial.newAuthority("raft-lifecycle rig CA " + spec.name());
        this.caFile = tls.writeCa(dir.resolve("ca.pem"));
        this.http = new VaultHttp(tls.sslContext());
        this.nodes = new ClusterNodes<>(spec.name());
        this.instances = new ClusterInstances<>(rig, spec, nodes);
        this.checks = new VaultClusterChecks(spec, http, nodes);
        this.startup = new VaultClusterStartup(rig, spec, dir, octet, apiPort, tls, caFile, http, nodes, instances, checks);
        this.faults = new VaultClusterFaults(rig, nodes, checks);
        this.instances.serve(this);
    }

    static VaultCluster start(Rig rig, ClusterSpec spec) {
        Instant begin = Instant.now();
        int[] address = allocateAddresses();
        VaultCluster cluster = new VaultCluster(rig, spec, address[0], address[1]);
        try {
            cluster.startup.createInfrastructure();
            rig.progressed("emulator: VPC, KMS key, " + spec.zones().size() + " Auto Scaling groups "
                    + (spec.foreign() ? "without our hooks or the retain policy" : "with hooks"));
            cluster.startup.startInitialNodes();
            rig.progressed(cluster.nodes.size() + " Vault nodes started" + (spec.initialize() ? ", initialized, voters, autopilot healthy" : ""));
            if (spec.configureAuth()) {
                cluster.startup.configureAuth();
                rig.progressed("Vault configured: AWS auth method, roles and policies (scripts/configure-vault)");
            }
            System.err.printf("rig: vault %s (%d nodes), moto %s — cluster %s on 127.%d.0.0/16 ready in %.1f s%n",
                    rig.vaultVersion(), cluster.nodes.size(), rig.motoVersion(), spec.name(), cluster.octet,
                    Duration.between(begin, Instant.now()).toMillis() / 1000.0);
            return cluster;
        } catch (RuntimeException e) {
            String detail = e.getMessage().contains("cluster " + spec.name() + ":") ? "" : "\n" + cluster.diagnostics();
            cluster.close();
            throw new RigException("cluster " + spec.name() + " did not start: " + e.getMessage() + detail, e);
        }
    }

    /** A 127.X.0.0/16 range whose node addresses can bind the Vault ports (see {@link RigAddresses}). */
    private static int[] allocateAddresses() {
        return RigAddresses.allocate(VAULT_API_PORT, VAULT_API_PORT + 1);
    }

    // ---- setup --------------------------------------------------------------------------------------

    /**
     * The operator's second step of a first deploy, after their own {@code vault operator init}: scripts/configure-vault
     * with the root token init returned (the rig then holds that token, as for a cluster it initialized itself).
     */
    public void configureAfterOperatorInit(String operatorRootToken) {
        startup.configureAfterOperatorInit(operatorRootToken);
    }

    // ---- nodes --------------------------------------------------------------------------------------

    /** Starts a Vault process for an instance of this cluster's groups (e.g. a replacement). */
    public VaultNode startNode(String instanceId, VaultNode.Options options) {
        return startup.startNode(instanceId, options);
    }

    @Override
    public dev.raftlifecycle.contract.ClusterSystem system() {
        return dev.raftlifecycle.contract.ClusterSystem.VAULT;
    }

    /** Starts a Vault process for the instance, joining the running members, with the cluster's KMS key. */
    @Override
    public VaultNode startNode(String instanceId) {
        return startup.startNode(instanceId);
    }

    /** Options of a healthy new member: the cluster's KMS key, retry_join to every running node. */
    public VaultNode.Options defaultOptions() {
        return startup.defaultOptions();
    }

    /**
     * Starts a Vault process for the instance from a configuration file rendered outside the rig (the
     * first-boot playbook's vault.hcl). The environment carries what an instance profile would provide
     * (AWS credentials for the seal and auto_join); the rig's emulator accepts any.
     */
    public VaultNode startNodeFromConfig(String instanceId, Path configFile, Map<String, String> env) {
        return startup.startNodeFromConfig(instanceId, configFile, env);
    }

    /** A certificate for a node at this IP, signed by the cluster's CA, naming the TLS server name too. */
    @Override
    public TlsMaterial tlsMaterial() {
        return tls;
    }

    public TlsMaterial.NodeCertPem issueNodeCertificate(String ipAddress) {
        return startup.issueNodeCertificate(ipAddress);
    }

    /** The instance's private IP as the emulator reports it. */
    public String privateIp(String instanceId) {
        return startup.privateIp(instanceId);
    }

    /**
     * Takes an instance out for good, as a scale-in that this test does not want the handlers involved in:
     * remove-peer (root token), kill the process, terminate the instance lowering desired capacity.
     */
    public void retire(String instanceId) {
        faults.retire(instanceId);
    }

    /** Restarts a node's process with the same configuration and data (as a reboot would). */
    public void restartNode(String instanceId) {
        faults.restartNode(instanceId);
    }

    public Collection<VaultNode> nodes() {
        return nodes.all();
    }

    public List<VaultNode> runningNodes() {
        return nodes.running();
    }

    public VaultNode node(String instanceId) {
        return nodes.get(instanceId);
    }

    /** The active node, asked of the running nodes (sys/leader needs no token). */
    public Optional<VaultNode> leader() {
        return checks.leader();
    }

    @Override
    public VaultNode awaitLeader(Duration timeout) {
        return checks.awaitLeader(timeout);
    }

    @Override
    public VaultNode follower() {
        return (VaultNode) RaftCluster.super.follower();
    }

    /** The HTTP status of the node's sys/health, or -1 if it does not answer. */
    public int healthCode(VaultNode node) {
        return checks.healthCode(node);
    }

    /**
     * node_ids in the Raft configuration, read with the root token through any running node (a foreign cluster's are
     * UUIDs: {@link #raftInstanceIds()} for the instances).
     */
    public Set<String> raftNodeIds() {
        return checks.raftNodeIds();
    }

    /**
     * The Raft configuration's peers as the rig knows them: each peer's instance id where one of the cluster's nodes
     * has its node_id, else the node_id itself (a peer without a node). Equal to {@link #raftNodeIds()} on a cluster
     * built our way.
     */
    public Set<String> raftInstanceIds() {
        Set<String> out = new java.util.HashSet<>();
        for (String id : raftNodeIds()) {
            out.add(instanceIdOfNode(id));
        }
        return out;
    }

    /** The instance id of the node with this Raft node_id; the node_id itself if no node of the cluster has it. */
    public String instanceIdOfNode(String nodeId) {
        return nodes.all().stream().filter(n -> n.nodeId().equals(nodeId)).map(VaultNode::instanceId).findFirst()
                .orElse(nodeId);
    }

    /** Each Raft peer's address (host:port of its cluster_addr) by node_id. */
    public Map<String, String> raftAddresses() {
        Map<String, String> out = new java.util.HashMap<>();
        for (JsonNode server : raftServers()) {
            out.put(server.path("node_id").asText(), server.path("address").asText());
        }
        return out;
    }

    /** The private DNS name EC2 reports for an instance (what a foreign cluster's node advertises). */
    public String privateDnsName(String instanceId) {
        return instances.describe(instanceId).privateDnsName();
    }

    public List<JsonNode> raftServers() {
        return checks.raftServers();
    }

    public JsonNode autopilot() {
        return checks.autopilot();
    }

    @Override
    public Optional<AutopilotServer> autopilotServer(String instanceId) {
        return checks.autopilotServer(instanceId);
    }

    @Override
    public boolean autopilotHealthy() {
        return checks.autopilotHealthy();
    }

    /** remove-peer with the root token. */
    @Override
    public void removePeer(String instanceId) {
        checks.removePeer(instanceId);
    }

    /** Waits until autopilot reports the server a healthy voter (or leader). */
    public void awaitVoter(String instanceId, Duration timeout) {
        checks.awaitVoter(instanceId, timeout);
    }

    // ---- instance lifecycle in the emulator ---------------------------------------------------------

    /** Instance ids of a group, in service or pending. */
    public List<String> groupInstanceIds(String group) {
        return instances.groupInstanceIds(group);
    }

    /**
     * Terminates the instance through Auto Scaling without lowering desired capacity; the emulator launches
     * the replacement at once. Returns the replacement's instance id (no Vault process started yet).
     */
    public String replaceInstance(String instanceId) {
        return instances.replaceInstance(instanceId);
    }

    /** As {@link #replaceInstance(String)}, for an instance of {@code group} that may have no Vault node at all. */
    public String replaceInstance(String instanceId, String group) {
        return instances.replaceInstance(instanceId, group);
    }

    /**
     * Terminates an instance through Auto Scaling, lowering desired capacity (no replacement), kills its process (if it
     * has one: an instance launched without a node may be retired too) and forgets the node.
     */
    public void retireInstance(String instanceId) {
        instances.retireInstance(instanceId);
    }

    /** Raises a group's desired capacity by one; returns the new instance id (no Vault process yet). */
    public String launchInstance(String group) {
        return instances.launchInstance(group);
    }

    /**
     * Raises a group's desired capacity by one and has EC2 show the new instance at the address a terminated instance
     * had (its private IP and private DNS name), as EC2 may reuse a freed address (moto never does; the rig's front
     * shows it, and the rig starts the new instance's server there). Returns the new instance id (no Vault yet).
     */
    public String launchInstanceAtAddressOf(String group, String formerInstanceId) {
        return instances.launchInstanceAtAddressOf(group, formerInstanceId);
    }

    /**
     * A relay in front of every running node's API (see {@link VaultRelay}); give the handlers its port. Closed with the
     * cluster, or by the caller.
     */
    public VaultRelay relay() {
        VaultRelay relay = VaultRelay.start(runningNodes().stream().map(VaultNode::ip).toList(), apiPort);
        synchronized (relays) {
            relays.add(relay);
        }
        return relay;
    }

    /** Tags every group of the cluster (not propagated to instances), as an operator or the CDK app would. */
    public void tagGroups(String key, String value) {
        instances.tagGroups(key, value);
    }

    public void untagGroups(String key) {
        instances.untagGroups(key);
    }

    /** Terminates the instance in EC2 directly (no Auto Scaling involvement, no replacement); Vault keeps running. */
    public void terminateInEc2(String instanceId) {
        instances.terminateInEc2(instanceId);
    }

    // ---- KV and admin -------------------------------------------------------------------------------

    /** Writes secret/<key> through the first running node that accepts it. Returns false if none did. */
    public boolean kvPut(String key, String value) {
        return checks.kvPut(key, value);
    }

    /** Reads secret/<key>; empty if absent or no node answered. */
    public Optional<String> kvGet(String key) {
        return checks.kvGet(key);
    }

    /** A root-token read through any running node that answers 200. */
    public JsonNode adminRead(String path) {
        return checks.adminRead(path);
    }

    /** A root-token write through any running node that accepts it. */
    public VaultHttp.Reply admin(String method, String path, Object body) {
        return checks.admin(method, path, body);
    }

    /** The rig's HTTP client (trusts this cluster's CA), for tests that probe nodes directly. */
    public VaultHttp http() {
        return http;
    }

    /**
     * Authenticated requests (including logins) received by all nodes so far, from the audit device the rig
     * enables. Unauthenticated calls such as sys/health are not audited.
     */
    public long auditedRequests() {
        return checks.auditedRequests();
    }

    // ---- lifecycle actions as Auto Scaling would open them ------------------------------------------

    /** Opens the terminate hook's lifecycle action for an instance (as Auto Scaling does on scale-in). */
    public LifecycleRecorder.LifecycleAction openTermination(String instanceId) {
        return instances.openTermination(instanceId);
    }

    /** Opens the launch hook's lifecycle action for an instance of the given group. */
    public LifecycleRecorder.LifecycleAction openLaunch(String groupName, String instanceId) {
        return instances.openLaunch(groupName, instanceId);
    }

    /**
     * What Auto Scaling does after a terminate hook completes: the instance goes away (its Vault process is
     * killed) and the group launches a replacement instance. Returns the replacement's id (no Vault yet).
     */
    public String finishTermination(String instanceId) {
        return instances.finishTermination(instanceId);
    }

    /**
     * Brings the cluster back to its spec: every node that is stopped or no longer in the Raft configuration
     * is killed, its instance replaced, a Vault process started for the replacement, and the replacement
     * awaited as a healthy voter. Used between tests that remove or kill nodes.
     */
    public void heal(Duration timeout) {
        instances.heal(timeout);
    }

    // ---- waiting and diagnostics --------------------------------------------------------------------

    /** Polls until the condition holds; on timeout fails with the cluster's state and crashed nodes' logs. */
    public void await(String description, Duration timeout, BooleanSupplier condition) {
        checks.await(description, timeout, condition);
    }

    /** Node by node: address, process state, health; the last log lines of nodes that died unexpectedly. */
    public String diagnostics() {
        return checks.diagnostics();
    }

    // ---- accessors ----------------------------------------------------------------------------------

    public String name() {
        return spec.name();
    }

    public ClusterSpec spec() {
        return spec;
    }

    public List<String> groupNames() {
        return instances.groupNames();
    }

    public String launchHook() {
        return instances.launchHook();
    }

    public String terminateHook() {
        return instances.terminateHook();
    }

    public String kmsKeyId() {
        return startup.kmsKeyId();
    }

    public String rootToken() {
        return checks.rootToken();
    }

    @Override
    public String adminToken() {
        return rootToken();
    }

    @Override
    public void adoptAdminToken(String token) {
        checks.rootToken(token);
    }

    public String caPem() {
        return tls.caPem();
    }

    /** The file audit device's log (scripts/configure-vault --audit-file), once the cluster is configured. */
    public Path auditLogFile() {
        return startup.auditLogFile();
    }

    /** The networks the handler roles' logins and tokens are bound to (scripts/configure-vault --token-bound-cidr). */
    public static List<String> handlerTokenCidrs() {
        return List.of(VaultClusterStartup.HANDLER_CIDR);
    }

    public Path caFile() {
        return caFile;
    }

    public String tlsServerName() {
        return spec.tlsServerName();
    }

    @Override
    public int apiPort() {
        return apiPort;
    }

    public Rig rig() {
        return rig;
    }

    @Override
    public void close() {
        synchronized (relays) {
            relays.forEach(VaultRelay::close);
        }
        for (VaultNode node : nodes()) {
            node.kill();
        }
        rig.forget(this);
        if (spec.foreign()) {
            EtcHosts.remove(spec.name());
        }
        RigAddresses.release(octet);
    }
}
