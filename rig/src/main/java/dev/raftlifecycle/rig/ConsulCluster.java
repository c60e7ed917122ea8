package dev.raftlifecycle.rig;

import dev.raftlifecycle.contract.HandlerNames;
import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.contract.ConsulAccess;
import dev.raftlifecycle.contract.ConsulPorts;
import dev.raftlifecycle.contract.LifecycleEvents;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.LifecycleState;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceType;

/**
 * A real Consul server cluster beside the emulator, as a deployment runs it: three Auto Scaling groups (one per zone)
 * with both lifecycle hooks, one Consul server process per instance bound to the instance's address, node name = the
 * instance id, HTTPS from a per-cluster CA, ACLs on (deny by default) and the {@code aws-iam} auth method pointed at the
 * emulator's STS and IAM, with the read-only and mutating ACL roles bound to the rig's two Lambda roles by name.
 * Consul's own dead-server cleanup is off unless the spec asks for it (tests that keep a dead peer need it off).
 * The instances' side (groups, lifecycle actions, the heal) is {@link ClusterInstances}, the same as Vault's.
 */
public final class ConsulCluster implements RaftCluster {
    private final Rig rig;
    private final ClusterSpec spec;
    private final Path consulBin;
    private final Path dir;
    private final int octet;
    private final TlsMaterial tls;
    private final Path caFile;
    private final VaultHttp http;
    private volatile String managementToken = UUID.randomUUID().toString();
    private final ClusterNodes<ConsulNode> nodes;
    private final ClusterInstances<ConsulNode> instances;
    private final boolean cleanupDeadServers;
    private final String gossipKey;
    private List<String> joinAddresses = List.of();

    /** The rig's Consul datacenter. */
    public static final String DATACENTER = "rig";

    private ConsulCluster(Rig rig, ClusterSpec spec, Path consulBin, int octet, boolean cleanupDeadServers,
                          String gossipKey) {
        this.rig = rig;
        this.gossipKey = gossipKey;
        this.spec = spec;
        this.consulBin = consulBin;
        this.octet = octet;
        this.cleanupDeadServers = cleanupDeadServers;
        this.dir = rig.workDir().resolve(spec.name());
        this.tls = TlsMaterial.newAuthority("raft-lifecycle rig CA " + spec.name());
        this.caFile = tls.writeCa(dir.resolve("ca.pem"));
        this.http = new VaultHttp(tls.sslContext(), "X-Consul-Token");
        this.nodes = new ClusterNodes<>(spec.name());
        this.instances = new ClusterInstances<>(rig, spec, nodes);
        this.instances.serve(this);
    }

    static ConsulCluster start(Rig rig, ClusterSpec spec, Path consulBin) {
        return start(rig, spec, consulBin, null);
    }

    /**
     * @param gossipKey null: plain gossip and server RPC; a base64 key: encrypted gossip and mutually verified TLS on
     *                  server RPC (every certificate must then name server.rig.consul: give the spec that
     *                  tlsServerName)
     */
    static ConsulCluster start(Rig rig, ClusterSpec spec, Path consulBin, String gossipKey) {
        if (spec.foreign()) {
            throw new RigException("a foreign cluster (ClusterSpec.asForeign) is Vault only: the rig builds Consul"
                    + " clusters our way");
        }
        Instant begin = Instant.now();
        int[] address = RigAddresses.allocate(ConsulPorts.HTTPS, ConsulPorts.SERVER_RPC, ConsulPorts.SERF_LAN);
        if (address[1] != ConsulPorts.HTTPS) {
            RigAddresses.release(address[0]);
            throw new RigException("Consul's HTTPS port " + ConsulPorts.HTTPS + " is taken on every loopback range");
        }
        ConsulCluster cluster = new ConsulCluster(rig, spec.withName(spec.name()), consulBin, address[0], false,
                gossipKey);
        try {
            cluster.createInfrastructure();
            cluster.startInitialNodes();
            cluster.configureAcl();
            System.err.printf("rig: consul %s (%d nodes), moto %s — cluster %s on 127.%d.0.0/16 ready in %.1f s%n",
                    Tools.consulVersion(consulBin), cluster.nodes.size(), rig.motoVersion(), spec.name(), cluster.octet,
                    Duration.between(begin, Instant.now()).toMillis() / 1000.0);
            return cluster;
        } catch (RuntimeException e) {
            String detail = "\n" + cluster.diagnostics();
            cluster.close();
            throw new RigException("consul cluster " + spec.name() + " did not start: " + e.getMessage() + detail, e);
        }
    }

    // ---- setup --------------------------------------------------------------------------------------

    private void createInfrastructure() {
        this.instances.createInfrastructure(octet, spec.name() + "-consul");
    }

    private void startInitialNodes() {
        List<Instance> instances = this.instances.describe(this.instances.allInstanceIds());
        joinAddresses = instances.stream().map(Instance::privateIpAddress).toList();
        for (Instance instance : instances) {
            startNode(instance, instances.size());
        }
        await("a Consul leader", Duration.ofSeconds(90), () -> leader().isPresent());
        await("every server a healthy voter", Duration.ofSeconds(90), () -> {
            int healthyVoters = 0;
            for (ConsulNode node : nodes.all()) {
                healthyVoters += autopilotServer(node.instanceId()).filter(a -> a.healthy() && a.voter()).isPresent() ? 1 : 0;
            }
            return healthyVoters == spec.totalNodes();
        });
    }

    /**
     * What the operator's setup does on a new cluster: the two policies and ACL roles, the aws-iam auth method pointed
     * at the emulator, and one binding rule per Lambda role (the IAM role's name selects the ACL role).
     */
    private void configureAcl() {
        String moto = rig.motoEndpoint().toString();
        consul("PUT", "acl/policy", Map.of("Name", ConsulAccess.READ_POLICY, "Rules", ConsulAccess.READ_RULES));
        consul("PUT", "acl/policy", Map.of("Name", ConsulAccess.MUTATING_POLICY, "Rules", ConsulAccess.MUTATING_RULES));
        consul("PUT", "acl/role", Map.of("Name", ConsulAccess.READ_ROLE,
                "Policies", List.of(Map.of("Name", ConsulAccess.READ_POLICY))));
        consul("PUT", "acl/role", Map.of("Name", ConsulAccess.MUTATING_ROLE,
                "Policies", List.of(Map.of("Name", ConsulAccess.MUTATING_POLICY))));
        consul("PUT", "acl/policy", Map.of("Name", ConsulAccess.SNAPSHOT_POLICY, "Rules", ConsulAccess.SNAPSHOT_RULES));
        consul("PUT", "acl/role", Map.of("Name", ConsulAccess.SNAPSHOT_ROLE,
                "Policies", List.of(Map.of("Name", ConsulAccess.SNAPSHOT_POLICY))));
        List<String> withSnapshot = new java.util.ArrayList<>(HandlerNames.ALL_NAMES);
        withSnapshot.add(HandlerNames.SNAPSHOT_NAME);
        List<String> mutating = List.of(HandlerNames.TERMINATING_NAME, HandlerNames.RECONCILER_NAME,
                HandlerNames.INTERRUPTION_NAME);
        consul("PUT", "acl/auth-method", Map.of("Name", ConsulAccess.AUTH_METHOD, "Type", "aws-iam",
                "MaxTokenTTL", "30m", "TokenLocality", "local",
                "Config", Map.of("BoundIAMPrincipalARNs", withSnapshot.stream().map(rig::handlerRoleArn).toList(),
                        "STSEndpoint", moto, "IAMEndpoint", moto,
                        "ServerIDHeaderValue", spec.tlsServerName())));
        // One binding rule per handler's IAM role: the three that change the cluster to the mutating ACL role, the
        // snapshot function to its own (acl:write, which Consul's snapshot endpoint requires, and nothing else).
        for (String handler : withSnapshot) {
            consul("PUT", "acl/binding-rule", Map.of("AuthMethod", ConsulAccess.AUTH_METHOD, "BindType", "role",
                    "BindName", handler.equals(HandlerNames.SNAPSHOT_NAME) ? ConsulAccess.SNAPSHOT_ROLE
                            : mutating.contains(handler) ? ConsulAccess.MUTATING_ROLE : ConsulAccess.READ_ROLE,
                    "Selector", "entity_name==\"" + roleName(rig.handlerRoleArn(handler)) + "\""));
        }
    }

    private static String roleName(String roleArn) {
        return roleArn.substring(roleArn.lastIndexOf('/') + 1);
    }

    private ConsulNode newNode(Instance instance) {
        return new ConsulNode(instance.instanceId(), ClusterInstances.groupOf(instance), instance.privateIpAddress(),
                instances.nodeDir(instance.instanceId()));
    }

    private ConsulNode startNode(Instance instance, int bootstrapExpect) {
        ConsulNode node = newNode(instance);
        TlsMaterial.NodeCert cert = tls.issue(node.ip(), List.of(spec.tlsServerName()), node.dir().resolve("tls"));
        node.start(consulBin, new ConsulNode.Options(bootstrapExpect, joinAddresses, managementToken, cleanupDeadServers,
                gossipKey, spec.stabilizationTime()),
                cert, caFile);
        nodes.add(node);
        return node;
    }

    /** Starts a Consul server for an instance of this cluster's groups (a replacement), joining the others. */
    @Override
    public ConsulNode startNode(String instanceId) {
        Instance instance = instances.describe(instanceId);
        List<String> join = new ArrayList<>(joinAddresses);
        join.add(instance.privateIpAddress());
        joinAddresses = List.copyOf(join);
        return startNode(instance, spec.totalNodes());
    }

    /**
     * Starts a Consul server for an instance of this cluster's groups from a configuration directory rendered
     * elsewhere (the first-boot playbook), unchanged, as its systemd unit would; returns once the process runs.
     */
    public ConsulNode startNodeFromConfigDir(String instanceId, Path configDir, Map<String, String> env) {
        ConsulNode node = newNode(instances.describe(instanceId));
        Map<String, String> all = new java.util.HashMap<>(Map.of("TZ", "UTC"));
        all.putAll(env);
        node.startWithConfigDir(consulBin, configDir, all);
        nodes.add(node);
        return node;
    }

    /** A certificate for a server at this IP, signed by the cluster's CA, naming the TLS server name too. */
    @Override
    public TlsMaterial tlsMaterial() {
        return tls;
    }

    public TlsMaterial.NodeCertPem issueNodeCertificate(String ipAddress) {
        return tls.issuePem(ipAddress, List.of(spec.tlsServerName()));
    }

    // ---- the cluster as the management token sees it ------------------------------------------------

    /** One call with the management token through the first running node that answers; fails on any error status. */
    /**
     * The management token and the SecretID of every ACL token the cluster holds now (read with the management
     * token, which may see them), e.g. the tokens the handlers' aws-iam logins made. Only what has a token's form (a
     * UUID): the anonymous token's SecretID is the word "anonymous". If no server answers, the management token alone.
     */
    @Override
    public java.util.Set<String> knownSecrets() {
        java.util.Set<String> secrets = new java.util.HashSet<>(java.util.Set.of(managementToken));
        // stale, from every running server, the union: each answers from its own state at once (a cluster without a
        // leader does not hold the check up), and the leader's state, when there is one, has every committed token (a
        // follower's may not have the login token created a moment ago yet).
        for (ConsulNode node : runningNodes()) {
            try {
                VaultHttp.Reply reply = http.send(node.apiAddress(), "GET", "acl/tokens?stale", managementToken, null);
                if (reply.status() != 200) {
                    continue;
                }
                for (JsonNode token : reply.body()) {
                    String secret = token.path("SecretID").asText("");
                    if (secret.matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")) {
                        secrets.add(secret);
                    }
                }
            } catch (IOException e) {
                // A stopped server: the others answer.
            }
        }
        return secrets;
    }

    public JsonNode consul(String method, String path, Object body) {
        RigException last = null;
        for (ConsulNode node : runningNodes()) {
            try {
                VaultHttp.Reply reply = http.send(node.apiAddress(), method, path, managementToken, body);
                if (reply.status() >= 200 && reply.status() < 300 || reply.status() == 429 && path.contains("autopilot/health")) {
                    return reply.body();
                }
                last = new RigException(method + " " + path + " on " + node.instanceId() + ": HTTP " + reply.status() + " " + reply.body());
            } catch (IOException e) {
                last = new RigException(method + " " + path + " on " + node.instanceId() + ": " + e.getMessage(), e);
            }
        }
        throw last != null ? last : new RigException("no running Consul node for " + method + " " + path);
    }

    /** operator/autopilot/health (HTTP 429 when unhealthy is still the answer). */
    public JsonNode autopilot() {
        return consul("GET", "operator/autopilot/health", null);
    }

    /**
     * Changes autopilot's configuration at run time (the fields given; the others as they are), as an operator's
     * {@code consul operator autopilot set-config} does. The PUT replaces the whole configuration, hence the read first.
     */
    public void autopilotConfiguration(Map<String, Object> fields) {
        com.fasterxml.jackson.databind.node.ObjectNode current =
                (com.fasterxml.jackson.databind.node.ObjectNode) consul("GET", "operator/autopilot/configuration", null).deepCopy();
        fields.forEach((k, v) -> current.set(k, new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(v)));
        current.remove("CreateIndex");
        current.remove("ModifyIndex");
        consul("PUT", "operator/autopilot/configuration", current);
    }

    /** Node names (instance ids) in the Raft configuration. */
    @Override
    public Set<String> raftNodeIds() {
        Set<String> out = new HashSet<>();
        consul("GET", "operator/raft/configuration", null).path("Servers").forEach(s -> out.add(s.path("Node").asText()));
        return out;
    }

    /** Serf's status of each member, by node name (alive, failed, left). */
    public Map<String, String> members() {
        Map<String, String> out = new LinkedHashMap<>();
        consul("GET", "agent/members", null).forEach(m -> out.put(m.path("Name").asText(),
                switch (m.path("Status").asInt(-1)) {
                    case 1 -> "alive";
                    case 2 -> "leaving";
                    case 3 -> "left";
                    case 4 -> "failed";
                    default -> "none";
                }));
        return out;
    }

    /** The leader, asked of the running nodes (status/leader needs no token). */
    public Optional<ConsulNode> leader() {
        for (ConsulNode node : runningNodes()) {
            try {
                VaultHttp.Reply reply = http.get(node.apiAddress(), "status/leader", null);
                String address = reply.body().asText("");
                if (reply.ok() && !address.isEmpty()) {
                    String host = address.substring(0, address.lastIndexOf(':'));
                    return runningNodes().stream().filter(n -> n.ip().equals(host)).findFirst();
                }
            } catch (IOException e) {
                // the next node
            }
        }
        return Optional.empty();
    }

    /** The server in autopilot's health (Servers[]: Name, Healthy, Voter, StableSince). */
    @Override
    public Optional<AutopilotServer> autopilotServer(String instanceId) {
        for (JsonNode s : autopilot().path("Servers")) {
            if (s.path("Name").asText().equals(instanceId)) {
                String since = s.path("StableSince").asText("");
                return Optional.of(new AutopilotServer(s.path("Healthy").asBoolean(false), s.path("Voter").asBoolean(false),
                        since.isEmpty() || since.startsWith("0001-") ? Optional.empty()
                                : Optional.of(java.time.OffsetDateTime.parse(since).toInstant())));
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean autopilotHealthy() {
        return autopilot().path("Healthy").asBoolean(false);
    }

    @Override
    public void awaitVoter(String instanceId, Duration timeout) {
        await(instanceId + " a healthy voter", timeout,
                () -> autopilotServer(instanceId).filter(a -> a.healthy() && a.voter()).isPresent());
    }

    // ---- nodes and instances ------------------------------------------------------------------------

    @Override
    public Collection<ConsulNode> nodes() {
        return nodes.all();
    }

    @Override
    public List<ConsulNode> runningNodes() {
        return nodes.running();
    }

    @Override
    public ConsulNode node(String instanceId) {
        return nodes.get(instanceId);
    }

    @Override
    public ConsulNode follower() {
        return (ConsulNode) RaftCluster.super.follower();
    }

    @Override
    public ConsulNode awaitLeader(Duration timeout) {
        return (ConsulNode) RaftCluster.super.awaitLeader(timeout);
    }

    @Override
    public List<String> groupInstanceIds(String group) {
        return instances.groupInstanceIds(group);
    }

    @Override
    public LifecycleRecorder.LifecycleAction openTermination(String instanceId) {
        return instances.openTermination(instanceId);
    }

    @Override
    public LifecycleRecorder.LifecycleAction openLaunch(String groupName, String instanceId) {
        return instances.openLaunch(groupName, instanceId);
    }

    @Override
    public String finishTermination(String instanceId) {
        return instances.finishTermination(instanceId);
    }

    @Override
    public String launchInstance(String group) {
        return instances.launchInstance(group);
    }

    @Override
    public String replaceInstance(String instanceId) {
        return instances.replaceInstance(instanceId);
    }

    @Override
    public void retireInstance(String instanceId) {
        instances.retireInstance(instanceId);
    }

    /** Terminates the instance in EC2 directly (no Auto Scaling involvement, no replacement); Consul keeps running. */
    @Override
    public void terminateInEc2(String instanceId) {
        instances.terminateInEc2(instanceId);
    }

    @Override
    public void heal(Duration timeout) {
        instances.heal(timeout);
    }

    /** remove-peer by node name and force-leave with prune, with the management token. */
    @Override
    public void removePeer(String name) {
        for (JsonNode s : consul("GET", "operator/raft/configuration", null).path("Servers")) {
            if (s.path("Node").asText().equals(name)) {
                consul("DELETE", "operator/raft/peer?id=" + s.path("ID").asText(), null);
            }
        }
        try {
            consul("PUT", "agent/force-leave/" + name + "?prune=1", null);
        } catch (RigException e) {
            // not a member any more
        }
    }

    @Override
    public void tagGroups(String key, String value) {
        instances.tagGroups(key, value);
    }

    @Override
    public void untagGroups(String key) {
        instances.untagGroups(key);
    }

    /** Writes a KV entry with the management token through any node; false if no node took it. */
    public boolean kvPut(String key, String value) {
        try {
            return consul("PUT", "kv/" + key, value).asBoolean(false);
        } catch (RigException e) {
            return false;
        }
    }

    /** Reads a KV entry kvPut wrote (a consistent read: the leader answers); empty if absent or no node answered. */
    public Optional<String> kvGet(String key) {
        try {
            JsonNode entries = consul("GET", "kv/" + key + "?consistent", null);
            String encoded = entries.path(0).path("Value").asText("");
            // kvPut stored the value as a JSON string.
            return Optional.of(new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                    java.util.Base64.getDecoder().decode(encoded)).asText());
        } catch (RigException | IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    // ---- waiting and diagnostics --------------------------------------------------------------------

    public void await(String description, Duration timeout, BooleanSupplier condition) {
        RigWait.until(description, timeout, condition, this::diagnostics);
    }

    public String diagnostics() {
        StringBuilder out = new StringBuilder("consul cluster ").append(spec.name()).append(":\n");
        for (ConsulNode node : nodes()) {
            out.append("  ").append(node).append('\n');
            if (!node.running()) {
                out.append("    last log lines:\n    ").append(node.logTail(15).replace("\n", "\n    ")).append('\n');
            }
        }
        return out.toString();
    }

    // ---- accessors ----------------------------------------------------------------------------------

    public String name() {
        return spec.name();
    }

    public ClusterSpec spec() {
        return spec;
    }

    @Override
    public dev.raftlifecycle.contract.ClusterSystem system() {
        return dev.raftlifecycle.contract.ClusterSystem.CONSUL;
    }

    @Override
    public List<String> groupNames() {
        return instances.groupNames();
    }

    @Override
    public String launchHook() {
        return instances.launchHook();
    }

    @Override
    public String terminateHook() {
        return instances.terminateHook();
    }

    /** The ACL bootstrap token (never given to the handlers). */
    public String managementToken() {
        return managementToken;
    }

    @Override
    public String adminToken() {
        return managementToken;
    }

    /** Nodes started from now on are configured with it as their initial management token too. */
    @Override
    public void adoptAdminToken(String token) {
        managementToken = token;
    }

    public String caPem() {
        return tls.caPem();
    }

    public String tlsServerName() {
        return spec.tlsServerName();
    }

    public int apiPort() {
        return ConsulPorts.HTTPS;
    }

    public VaultHttp http() {
        return http;
    }

    public Rig rig() {
        return rig;
    }

    @Override
    public void close() {
        for (ConsulNode node : nodes()) {
            node.kill();
        }
        rig.forget(this);
        RigAddresses.release(octet);
    }
}
