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
 */
public final class ConsulCluster implements AutoCloseable {
    private final Rig rig;
    private final ClusterSpec spec;
    private final Path consulBin;
    private final Path dir;
    private final int octet;
    private final TlsMaterial tls;
    private final Path caFile;
    private final VaultHttp http;
    private final String managementToken = UUID.randomUUID().toString();
    private final List<String> groupNames = new ArrayList<>();
    private final Map<String, ConsulNode> nodes = new LinkedHashMap<>();
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
        String vpcId = rig.ec2().createVpc(r -> r.cidrBlock("127." + octet + ".0.0/16")).vpc().vpcId();
        String template = rig.ec2().createLaunchTemplate(r -> r.launchTemplateName(spec.name() + "-consul")
                .launchTemplateData(d -> d.imageId("ami-12c6146b").instanceType(InstanceType.T3_SMALL)
                        .metadataOptions(m -> m.httpTokens("required").httpPutResponseHopLimit(1))))
                .launchTemplate().launchTemplateId();
        groupNames.addAll(RigGroups.create(rig, spec, octet, vpcId, template, launchHook(), terminateHook()));
    }

    private void startInitialNodes() {
        List<Instance> instances = new ArrayList<>();
        for (String group : groupNames) {
            instances.addAll(describe(groupInstanceIds(group)));
        }
        joinAddresses = instances.stream().map(Instance::privateIpAddress).toList();
        for (Instance instance : instances) {
            startNode(instance, instances.size());
        }
        await("a Consul leader", Duration.ofSeconds(90), () -> leader().isPresent());
        await("every server a healthy voter", Duration.ofSeconds(90), () -> {
            JsonNode health = autopilot();
            int healthyVoters = 0;
            for (JsonNode s : health.path("Servers")) {
                healthyVoters += s.path("Healthy").asBoolean(false) && s.path("Voter").asBoolean(false) ? 1 : 0;
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
        List<String> mutating = List.of(HandlerNames.TERMINATING_NAME, HandlerNames.RECONCILER_NAME,
                HandlerNames.INTERRUPTION_NAME);
        consul("PUT", "acl/auth-method", Map.of("Name", ConsulAccess.AUTH_METHOD, "Type", "aws-iam",
                "MaxTokenTTL", "30m", "TokenLocality", "local",
                "Config", Map.of("BoundIAMPrincipalARNs", HandlerNames.ALL_NAMES.stream().map(rig::handlerRoleArn).toList(),
                        "STSEndpoint", moto, "IAMEndpoint", moto,
                        "ServerIDHeaderValue", spec.tlsServerName())));
        // One binding rule per handler's IAM role: the three that change the cluster to the mutating ACL role.
        for (String handler : HandlerNames.ALL_NAMES) {
            consul("PUT", "acl/binding-rule", Map.of("AuthMethod", ConsulAccess.AUTH_METHOD, "BindType", "role",
                    "BindName", mutating.contains(handler) ? ConsulAccess.MUTATING_ROLE : ConsulAccess.READ_ROLE,
                    "Selector", "entity_name==\"" + roleName(rig.handlerRoleArn(handler)) + "\""));
        }
    }

    private static String roleName(String roleArn) {
        return roleArn.substring(roleArn.lastIndexOf('/') + 1);
    }

    private ConsulNode startNode(Instance instance, int bootstrapExpect) {
        String group = instance.tags().stream().filter(t -> t.key().equals("aws:autoscaling:groupName"))
                .map(t -> t.value()).findFirst().orElse("?");
        ConsulNode node = new ConsulNode(instance.instanceId(), group, instance.privateIpAddress(),
                dir.resolve("nodes").resolve(instance.instanceId()));
        TlsMaterial.NodeCert cert = tls.issue(node.ip(), List.of(spec.tlsServerName()), node.dir().resolve("tls"));
        node.start(consulBin, new ConsulNode.Options(bootstrapExpect, joinAddresses, managementToken, cleanupDeadServers,
                gossipKey),
                cert, caFile);
        synchronized (nodes) {
            nodes.put(node.instanceId(), node);
        }
        return node;
    }

    /** Starts a Consul server for an instance of this cluster's groups (a replacement), joining the others. */
    public ConsulNode startNode(String instanceId) {
        Instance instance = describe(List.of(instanceId)).get(0);
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
        Instance instance = describe(List.of(instanceId)).get(0);
        String group = instance.tags().stream().filter(t -> t.key().equals("aws:autoscaling:groupName"))
                .map(t -> t.value()).findFirst().orElse("?");
        ConsulNode node = new ConsulNode(instanceId, group, instance.privateIpAddress(),
                dir.resolve("nodes").resolve(instanceId));
        Map<String, String> all = new java.util.HashMap<>(Map.of("TZ", "UTC"));
        all.putAll(env);
        node.startWithConfigDir(consulBin, configDir, all);
        synchronized (nodes) {
            nodes.put(instanceId, node);
        }
        return node;
    }

    /** A certificate for a server at this IP, signed by the cluster's CA, naming the TLS server name too. */
    public TlsMaterial.NodeCertPem issueNodeCertificate(String ipAddress) {
        return tls.issuePem(ipAddress, List.of(spec.tlsServerName()));
    }

    // ---- the cluster as the management token sees it ------------------------------------------------

    /** One call with the management token through the first running node that answers; fails on any error status. */
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

    /** Node names in the Raft configuration. */
    public Set<String> raftNodeNames() {
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

    public void awaitVoter(String instanceId, Duration timeout) {
        await(instanceId + " a healthy voter", timeout, () -> {
            for (JsonNode s : autopilot().path("Servers")) {
                if (s.path("Name").asText().equals(instanceId)) {
                    return s.path("Healthy").asBoolean(false) && s.path("Voter").asBoolean(false);
                }
            }
            return false;
        });
    }

    // ---- nodes and instances ------------------------------------------------------------------------

    public Collection<ConsulNode> nodes() {
        synchronized (nodes) {
            return List.copyOf(nodes.values());
        }
    }

    public List<ConsulNode> runningNodes() {
        return nodes().stream().filter(ConsulNode::running).toList();
    }

    public ConsulNode node(String instanceId) {
        synchronized (nodes) {
            ConsulNode node = nodes.get(instanceId);
            if (node == null) {
                throw new RigException("no node for instance " + instanceId + " in " + spec.name());
            }
            return node;
        }
    }

    /** A follower (not the leader), running. */
    public ConsulNode follower() {
        String leader = leader().map(ConsulNode::instanceId).orElse("");
        return runningNodes().stream().filter(n -> !n.instanceId().equals(leader)).findFirst()
                .orElseThrow(() -> new RigException("no running follower in " + spec.name()));
    }

    public List<String> groupInstanceIds(String group) {
        return RigGroups.instanceIds(rig, group);
    }

    private List<Instance> describe(List<String> instanceIds) {
        return rig.ec2().describeInstances(r -> r.instanceIds(instanceIds)).reservations().stream()
                .flatMap(r -> r.instances().stream()).toList();
    }

    /** Opens the terminate hook's lifecycle action for an instance (as Auto Scaling does on scale-in). */
    public LifecycleRecorder.LifecycleAction openTermination(String instanceId) {
        return rig.recorder().open(node(instanceId).groupName(), terminateHook(), instanceId,
                LifecycleEvents.TERMINATING_TRANSITION);
    }

    /** Opens the launch hook's lifecycle action for an instance of the given group. */
    public LifecycleRecorder.LifecycleAction openLaunch(String groupName, String instanceId) {
        return rig.recorder().open(groupName, launchHook(), instanceId, LifecycleEvents.LAUNCHING_TRANSITION);
    }

    /**
     * What Auto Scaling does after a terminate hook completes: the instance goes (its process killed) and the group
     * launches a replacement. Returns the replacement's id (no Consul process yet).
     */
    public String finishTermination(String instanceId) {
        ConsulNode node = node(instanceId);
        node.kill();
        String group = node.groupName();
        String replacement = RigGroups.replace(rig, instanceId, group);
        synchronized (nodes) {
            nodes.remove(instanceId);
        }
        return replacement;
    }

    /** Raises a group's desired capacity by one; returns the new instance id (no Consul process yet). */
    public String launchInstance(String group) {
        return RigGroups.launchInstance(rig, group);
    }

    /** Marks the instance terminated in EC2 (as after a termination the handlers never saw), its process killed. */
    public void terminateInEc2(String instanceId) {
        node(instanceId).kill();
        rig.ec2().terminateInstances(r -> r.instanceIds(instanceId));
    }

    /**
     * Back to the spec: every node stopped or no longer a Raft peer is killed and replaced (its peer and member
     * removed with the management token first), and the replacements awaited as healthy voters.
     */
    public void heal(Duration timeout) {
        for (ConsulNode node : nodes()) {
            rig.recorder().lifecycleState(node.instanceId(), null); // retained or waiting: in service again
        }
        Set<String> peers = raftNodeNames();
        // Stopped, no longer a peer, or its instance gone from the group (a group scaled to 0): replaced. The dead
        // first, and each peer removed before its process stops, so that every removal still has a quorum to commit.
        List<ConsulNode> retiring = new ArrayList<>(nodes().stream().filter(node -> !node.running()
                || !peers.contains(node.instanceId()) || !groupInstanceIds(node.groupName()).contains(node.instanceId()))
                .toList());
        retiring.sort(java.util.Comparator.comparing(ConsulNode::running));
        for (ConsulNode node : retiring) {
            String id = node.instanceId();
            if (peers.contains(id)) {
                try {
                    removePeerByName(id);
                } catch (RigException e) {
                    // no quorum to commit it: the later pass (or the test's failure report) shows it
                }
            }
            node.kill();
            if (groupInstanceIds(node.groupName()).contains(id)) {
                RigGroups.retireForHeal(rig, id, node.groupName());
            }
            synchronized (nodes) {
                nodes.remove(id);
            }
        }
        for (int i = 0; i < groupNames.size(); i++) {
            int capacity = spec.capacities().get(i);
            String group = groupNames.get(i);
            rig.recorder().clearDesiredCapacity(group);
            RigGroups.restore(rig, group, capacity);
        }
        List<String> started = new ArrayList<>();
        for (String group : groupNames) {
            for (String id : groupInstanceIds(group)) {
                boolean known;
                synchronized (nodes) {
                    known = nodes.containsKey(id);
                }
                if (!known) {
                    startNode(id);
                    started.add(id);
                }
            }
        }
        for (String id : started) {
            awaitVoter(id, timeout);
        }
        // Peers whose process is gone must leave the configuration too.
        for (String stale : raftNodeNames()) {
            if (nodes().stream().noneMatch(n -> n.instanceId().equals(stale))) {
                removePeerByName(stale);
            }
        }
        await("autopilot healthy after heal", timeout, () -> autopilot().path("Healthy").asBoolean(false)
                && raftNodeNames().size() == spec.totalNodes());
    }

    /** remove-peer by node name and force-leave with prune, with the management token. */
    public void removePeerByName(String name) {
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

    public void tagGroups(String key, String value) {
        RigGroups.tag(rig, groupNames, key, value);
    }

    public void untagGroups(String key) {
        RigGroups.untag(rig, groupNames, key);
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

    public List<String> groupNames() {
        return List.copyOf(groupNames);
    }

    public String launchHook() {
        return RigGroups.launchHook(spec.name());
    }

    public String terminateHook() {
        return RigGroups.terminateHook(spec.name());
    }

    /** The ACL bootstrap token (never given to the handlers). */
    public String managementToken() {
        return managementToken;
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
