package dev.raftlifecycle.rig;

import dev.raftlifecycle.contract.HandlerNames;
import dev.raftlifecycle.contract.VaultPorts;
import dev.raftlifecycle.contract.LifecycleEvents;
import dev.raftlifecycle.contract.ClusterTags;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
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
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.LifecycleState;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceType;

/**
 * A real Vault Raft cluster started by the rig, wired to the emulator exactly as the deployment wires it
 * to AWS: three AZ-pinned Auto Scaling groups with launch and terminate hooks, one Vault process per
 * instance the emulator assigns (node_id = instance id, bound to the instance's private IP), auto-unseal
 * through the emulator's KMS, the AWS IAM auth method pointed at the emulator's STS/IAM, and the Lambda
 * policy from the repository.
 */
public final class VaultCluster implements AutoCloseable {
    /** The EC2 tag the groups propagate to instances; what Vault's auto_join looks for in AWS. */
    public static final String CLUSTER_TAG = ClusterTags.CLUSTER;

    private static final int VAULT_API_PORT = VaultPorts.API;

    private final Rig rig;
    private final ClusterSpec spec;
    private final Path dir;
    private final int octet;
    private final int apiPort;
    private final TlsMaterial tls;
    private final Path caFile;
    private final VaultHttp http;
    private final List<String> groupNames = new ArrayList<>();
    private final Map<String, VaultNode> nodes = new LinkedHashMap<>();
    private final List<VaultRelay> relays = new ArrayList<>();
    private String kmsKeyId;
    private String rootToken;
    private String launchTemplateId;

    private VaultCluster(Rig rig, ClusterSpec spec, int octet, int apiPort) {
        this.rig = rig;
        this.spec = spec;
        this.octet = octet;
        this.apiPort = apiPort;
        this.dir = rig.workDir().resolve(spec.name());
        this.tls = TlsMaterial.newAuthority("raft-lifecycle rig CA " + spec.name());
        this.caFile = tls.writeCa(dir.resolve("ca.pem"));
        this.http = new VaultHttp(tls.sslContext());
    }

    static VaultCluster start(Rig rig, ClusterSpec spec) {
        Instant begin = Instant.now();
        int[] address = allocateAddresses();
        VaultCluster cluster = new VaultCluster(rig, spec, address[0], address[1]);
        try {
            cluster.createInfrastructure();
            rig.progressed("emulator: VPC, KMS key, " + spec.zones().size() + " Auto Scaling groups with hooks");
            cluster.startInitialNodes();
            rig.progressed(cluster.nodes.size() + " Vault nodes started" + (spec.initialize() ? ", initialized, voters, autopilot healthy" : ""));
            if (spec.configureAuth()) {
                cluster.configureAuth();
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

    private void createInfrastructure() {
        String vpcId = rig.ec2().createVpc(r -> r.cidrBlock("127." + octet + ".0.0/16")).vpc().vpcId();
        launchTemplateId = rig.ec2().createLaunchTemplate(r -> r.launchTemplateName(spec.name() + "-vault")
                .launchTemplateData(d -> d.imageId("ami-12c6146b").instanceType(InstanceType.T3_SMALL)
                        .metadataOptions(m -> m.httpTokens("required").httpPutResponseHopLimit(1))))
                .launchTemplate().launchTemplateId();
        kmsKeyId = rig.kms().createKey(r -> r.description("raft-lifecycle rig unseal key " + spec.name()))
                .keyMetadata().keyId();
        groupNames.addAll(RigGroups.create(rig, spec, octet, vpcId, launchTemplateId, launchHook(), terminateHook()));
    }

    /**
     * Starts the first instance's node and initializes it, then the others, which join through retry_join
     * (every node lists every instance, as auto_join would). Starting the others after init saves their
     * first failed join round (about 7 s) without changing what is tested.
     */
    private void startInitialNodes() {
        List<Instance> instances = new ArrayList<>();
        for (String group : groupNames) {
            instances.addAll(describe(groupInstanceIds(group)));
        }
        List<String> joinAddresses = instances.stream()
                .map(i -> "https://" + i.privateIpAddress() + ":" + apiPort).toList();
        VaultNode first = startNode(instances.get(0), new VaultNode.Options(kmsKeyId, joinAddresses));
        awaitListening(first);
        if (!spec.initialize()) {
            for (Instance instance : instances.subList(1, instances.size())) {
                startNode(instance, new VaultNode.Options(kmsKeyId, joinAddresses));
            }
            for (VaultNode node : nodes()) {
                awaitListening(node);
            }
            return;
        }
        initialize(first);
        for (Instance instance : instances.subList(1, instances.size())) {
            startNode(instance, new VaultNode.Options(kmsKeyId, joinAddresses));
        }
        for (VaultNode node : nodes()) {
            awaitListening(node);
        }
        for (VaultNode node : nodes()) {
            awaitVoter(node.instanceId(), Duration.ofSeconds(90));
        }
        await("autopilot healthy", Duration.ofSeconds(60), () -> autopilot().path("healthy").asBoolean(false));
    }

    private void initialize(VaultNode first) {
        VaultHttp.Reply init = call(() -> http.put(first.apiAddress(), "sys/init", null,
                Map.of("recovery_shares", 1, "recovery_threshold", 1)));
        if (!init.ok()) {
            throw new RigException("sys/init failed: " + init.status() + " " + init.body());
        }
        rootToken = init.body().path("root_token").asText();
        await("first node active", Duration.ofSeconds(60), () -> healthCode(first) == 200);
        VaultHttp.Reply autopilot = call(() -> http.put(first.apiAddress(),
                "sys/storage/raft/autopilot/configuration", rootToken, Map.of(
                        "cleanup_dead_servers", false,
                        "server_stabilization_time", spec.stabilizationTime().toSeconds() + "s",
                        "last_contact_threshold", spec.lastContactThreshold().toSeconds() + "s")));
        if (!autopilot.ok()) {
            throw new RigException("autopilot configuration failed: " + autopilot.status() + " " + autopilot.body());
        }
    }

    /**
     * The Vault side of the deployment, applied by the same script an operator runs
     * (scripts/configure-vault), pointed at the emulator's STS and IAM. Plus a KV mount at secret/ that
     * only the rig has, for the data-survival checks.
     */
    private void configureAuth() {
        String moto = rig.motoEndpoint().toString();
        VaultNode target = runningNodes().get(0);
        // Each handler's own IAM role, bound as the deployment binds it: the three that change the cluster to the
        // mutating Vault role, the launching handler to the read-only one, the publisher to its own.
        List<String> command = List.of("bash", Rig.repoRoot().resolve("scripts/configure-vault").toString(),
                "--role-arn", rig.handlerRoleArn(HandlerNames.TERMINATING_NAME),
                "--role-arn", rig.handlerRoleArn(HandlerNames.RECONCILER_NAME),
                "--role-arn", rig.handlerRoleArn(HandlerNames.INTERRUPTION_NAME),
                "--read-role-arn", rig.handlerRoleArn(HandlerNames.LAUNCHING_NAME),
                "--publisher-role-arn", rig.handlerRoleArn(HandlerNames.PUBLISHER_NAME),
                "--server-id", spec.tlsServerName(),
                "--sts-endpoint", moto, "--sts-region", Rig.REGION.id(), "--iam-endpoint", moto);
        ManagedProcess script = ManagedProcess.start("configure-vault", command, dir.resolve("configure-vault.log"),
                Map.of("VAULT_ADDR", target.apiAddress().toString(), "VAULT_TOKEN", rootToken,
                        "VAULT_CACERT", caFile.toString(), "VAULT_BIN", rig.vaultBin().toString()));
        Integer exit = script.waitFor(60);
        if (exit == null || exit != 0) {
            throw new RigException("scripts/configure-vault failed (exit " + exit + "):\n" + script.tail(20));
        }
        admin("PUT", "sys/mounts/secret", Map.of("type", "kv", "options", Map.of("version", "1")));
        // Audit to each node's log, so tests can count the authenticated requests a handler made.
        admin("PUT", "sys/audit/stdout", Map.of("type", "file", "options", Map.of("file_path", "stdout")));
    }

    /**
     * The operator's second step of a first deploy, after their own {@code vault operator init}: scripts/configure-vault
     * with the root token init returned (the rig then holds that token, as for a cluster it initialized itself).
     */
    public void configureAfterOperatorInit(String operatorRootToken) {
        if (rootToken != null) {
            throw new RigException("cluster " + spec.name() + " was initialized by the rig already");
        }
        rootToken = operatorRootToken;
        configureAuth();
    }

    // ---- nodes --------------------------------------------------------------------------------------

    private VaultNode startNode(Instance instance, VaultNode.Options options) {
        String group = instance.tags().stream().filter(t -> t.key().equals("aws:autoscaling:groupName"))
                .map(t -> t.value()).findFirst().orElse("?");
        VaultNode node = new VaultNode(instance.instanceId(), group, instance.placement().availabilityZone(),
                instance.privateIpAddress(), apiPort, apiPort + 1, dir.resolve("nodes").resolve(instance.instanceId()));
        TlsMaterial.NodeCert cert = tls.issue(node.ip(), List.of(spec.tlsServerName()), node.dir().resolve("tls"));
        // KMS goes through the rig's AWS front, which enforces disabled keys as AWS does (moto does not).
        node.start(rig.vaultBin(), options, cert, caFile, rig.awsEndpoint(), Rig.REGION.id(), rig.adminCredentials());
        synchronized (nodes) {
            nodes.put(node.instanceId(), node);
        }
        return node;
    }

    /** Starts a Vault process for an instance of this cluster's groups (e.g. a replacement). */
    public VaultNode startNode(String instanceId, VaultNode.Options options) {
        VaultNode node = startNode(describe(List.of(instanceId)).get(0), options);
        awaitListening(node);
        return node;
    }

    /** Starts a Vault process for the instance, joining the running members, with the cluster's KMS key. */
    public VaultNode startNode(String instanceId) {
        return startNode(instanceId, defaultOptions());
    }

    /** Options of a healthy new member: the cluster's KMS key, retry_join to every running node. */
    public VaultNode.Options defaultOptions() {
        List<String> join = runningNodes().stream().map(n -> n.apiAddress().toString()).toList();
        return new VaultNode.Options(kmsKeyId, join);
    }

    /**
     * Starts a Vault process for the instance from a configuration file rendered outside the rig (the
     * first-boot playbook's vault.hcl). The environment carries what an instance profile would provide
     * (AWS credentials for the seal and auto_join); the rig's emulator accepts any.
     */
    public VaultNode startNodeFromConfig(String instanceId, Path configFile, Map<String, String> env) {
        Instance instance = describe(List.of(instanceId)).get(0);
        String group = instance.tags().stream().filter(t -> t.key().equals("aws:autoscaling:groupName"))
                .map(t -> t.value()).findFirst().orElse("?");
        VaultNode node = new VaultNode(instanceId, group, instance.placement().availabilityZone(),
                instance.privateIpAddress(), apiPort, apiPort + 1, dir.resolve("nodes").resolve(instanceId));
        java.util.Map<String, String> all = new java.util.HashMap<>(Map.of("AWS_ACCESS_KEY_ID",
                rig.adminCredentials().accessKeyId(), "AWS_SECRET_ACCESS_KEY", rig.adminCredentials().secretAccessKey(),
                "AWS_REGION", Rig.REGION.id()));
        all.putAll(env);
        node.startWithConfig(rig.vaultBin(), configFile, all);
        synchronized (nodes) {
            nodes.put(instanceId, node);
        }
        awaitListening(node);
        return node;
    }

    /** A certificate for a node at this IP, signed by the cluster's CA, naming the TLS server name too. */
    public TlsMaterial.NodeCertPem issueNodeCertificate(String ipAddress) {
        return tls.issuePem(ipAddress, List.of(spec.tlsServerName()));
    }

    /** The instance's private IP as the emulator reports it. */
    public String privateIp(String instanceId) {
        return describe(List.of(instanceId)).get(0).privateIpAddress();
    }

    /**
     * Takes an instance out for good, as a scale-in that this test does not want the handlers involved in:
     * remove-peer (root token), kill the process, terminate the instance lowering desired capacity.
     */
    public void retire(String instanceId) {
        VaultNode node = node(instanceId);
        admin("PUT", "sys/storage/raft/remove-peer", Map.of("server_id", instanceId));
        node.kill();
        rig.autoScaling().terminateInstanceInAutoScalingGroup(r -> r.instanceId(instanceId)
                .shouldDecrementDesiredCapacity(true));
        synchronized (nodes) {
            nodes.remove(instanceId);
        }
    }

    /** Restarts a node's process with the same configuration and data (as a reboot would). */
    public void restartNode(String instanceId) {
        VaultNode node = node(instanceId);
        node.restart();
        awaitListening(node);
    }

    private void awaitListening(VaultNode node) {
        await(node.instanceId() + " listening", Duration.ofSeconds(30), () -> {
            if (!node.running()) {
                throw new NodeExitedException(node.instanceId() + " exited at start:\n" + node.logTail(15));
            }
            return healthCode(node) > 0;
        });
    }

    public Collection<VaultNode> nodes() {
        synchronized (nodes) {
            return List.copyOf(nodes.values());
        }
    }

    public List<VaultNode> runningNodes() {
        return nodes().stream().filter(VaultNode::running).toList();
    }

    public VaultNode node(String instanceId) {
        VaultNode node;
        synchronized (nodes) {
            node = nodes.get(instanceId);
        }
        if (node == null) {
            throw new RigException("no node for instance " + instanceId + " in " + spec.name());
        }
        return node;
    }

    /** The active node, asked of the running nodes (sys/leader needs no token). */
    public Optional<VaultNode> leader() {
        for (VaultNode node : runningNodes()) {
            try {
                VaultHttp.Reply reply = http.get(node.apiAddress(), "sys/leader", null);
                String address = reply.body().path("leader_address").asText("");
                if (reply.ok() && !address.isEmpty()) {
                    URI leader = URI.create(address);
                    return nodes().stream().filter(n -> n.ip().equals(leader.getHost()) && n.running()).findFirst();
                }
            } catch (IOException e) {
                // try the next node
            }
        }
        return Optional.empty();
    }

    public VaultNode awaitLeader(Duration timeout) {
        await("a leader", timeout, () -> leader().isPresent());
        return leader().orElseThrow();
    }

    /** The HTTP status of the node's sys/health, or -1 if it does not answer. */
    public int healthCode(VaultNode node) {
        try {
            return http.get(node.apiAddress(), "sys/health", null).status();
        } catch (IOException e) {
            return -1;
        }
    }

    /** node_ids in the Raft configuration, read with the root token through any running node. */
    public Set<String> raftNodeIds() {
        return raftServers().stream().map(s -> s.path("node_id").asText()).collect(Collectors.toSet());
    }

    public List<JsonNode> raftServers() {
        JsonNode servers = adminRead("sys/storage/raft/configuration").path("config").path("servers");
        List<JsonNode> out = new ArrayList<>();
        servers.forEach(out::add);
        return out;
    }

    public JsonNode autopilot() {
        return adminRead("sys/storage/raft/autopilot/state");
    }

    /** Waits until autopilot reports the server a healthy voter (or leader). */
    public void awaitVoter(String instanceId, Duration timeout) {
        await(instanceId + " a healthy voter", timeout, () -> {
            JsonNode server = autopilot().path("servers").path(instanceId);
            String status = server.path("status").asText("");
            return server.path("healthy").asBoolean(false) && (status.equals("voter") || status.equals("leader"));
        });
    }

    // ---- instance lifecycle in the emulator ---------------------------------------------------------

    /** Instance ids of a group, in service or pending. */
    public List<String> groupInstanceIds(String group) {
        return RigGroups.instanceIds(rig, group);
    }

    /**
     * Terminates the instance through Auto Scaling without lowering desired capacity; the emulator launches
     * the replacement at once. Returns the replacement's instance id (no Vault process started yet).
     */
    public String replaceInstance(String instanceId) {
        return replaceInstance(instanceId, node(instanceId).groupName());
    }

    /** As {@link #replaceInstance(String)}, for an instance of {@code group} that may have no Vault node at all. */
    public String replaceInstance(String instanceId, String group) {
        return RigGroups.replace(rig, instanceId, group);
    }

    /**
     * Terminates an instance through Auto Scaling, lowering desired capacity (no replacement), kills its process (if it
     * has one: an instance launched without a node may be retired too) and forgets the node.
     */
    public void retireInstance(String instanceId) {
        VaultNode node;
        synchronized (nodes) {
            node = nodes.get(instanceId);
        }
        if (node != null) {
            node.kill();
        }
        rig.autoScaling().terminateInstanceInAutoScalingGroup(r -> r.instanceId(instanceId)
                .shouldDecrementDesiredCapacity(true));
        synchronized (nodes) {
            nodes.remove(instanceId);
        }
    }

    /** Raises a group's desired capacity by one; returns the new instance id (no Vault process yet). */
    public String launchInstance(String group) {
        return RigGroups.launchInstance(rig, group);
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
        RigGroups.tag(rig, groupNames, key, value);
    }

    public void untagGroups(String key) {
        RigGroups.untag(rig, groupNames, key);
    }

    /** Terminates the instance in EC2 directly (no Auto Scaling involvement, no replacement). */
    public void terminateInEc2(String instanceId) {
        rig.ec2().terminateInstances(r -> r.instanceIds(instanceId));
    }

    private List<Instance> describe(List<String> instanceIds) {
        if (instanceIds.isEmpty()) {
            return List.of();
        }
        return rig.ec2().describeInstances(r -> r.instanceIds(instanceIds)).reservations().stream()
                .flatMap(r -> r.instances().stream()).toList();
    }

    // ---- KV and admin -------------------------------------------------------------------------------

    /** Writes secret/<key> through the first running node that accepts it. Returns false if none did. */
    public boolean kvPut(String key, String value) {
        for (VaultNode node : runningNodes()) {
            try {
                if (http.put(node.apiAddress(), "secret/" + key, rootToken, Map.of("value", value)).ok()) {
                    return true;
                }
            } catch (IOException e) {
                // next node
            }
        }
        return false;
    }

    /** Reads secret/<key>; empty if absent or no node answered. */
    public Optional<String> kvGet(String key) {
        for (VaultNode node : runningNodes()) {
            try {
                VaultHttp.Reply reply = http.get(node.apiAddress(), "secret/" + key, rootToken);
                if (reply.ok()) {
                    return Optional.of(reply.data().path("value").asText());
                }
                if (reply.status() == 404) {
                    return Optional.empty();
                }
            } catch (IOException e) {
                // next node
            }
        }
        return Optional.empty();
    }

    /** A root-token read through any running node that answers 200. */
    public JsonNode adminRead(String path) {
        RuntimeException last = null;
        for (VaultNode node : runningNodes()) {
            try {
                VaultHttp.Reply reply = http.get(node.apiAddress(), path, rootToken);
                if (reply.ok()) {
                    return reply.data();
                }
                last = new RigException(path + " on " + node + ": " + reply.status() + " " + reply.body());
            } catch (IOException e) {
                last = new RigException(path + " on " + node + ": " + e.getMessage(), e);
            }
        }
        throw last != null ? last : new RigException("no running node to read " + path);
    }

    /** A root-token write through any running node that accepts it. */
    public VaultHttp.Reply admin(String method, String path, Object body) {
        RuntimeException last = null;
        for (VaultNode node : runningNodes()) {
            try {
                VaultHttp.Reply reply = http.send(node.apiAddress(), method, path, rootToken, body);
                if (reply.ok()) {
                    return reply;
                }
                last = new RigException(method + " " + path + " on " + node + ": " + reply.status() + " " + reply.body());
            } catch (IOException e) {
                last = new RigException(method + " " + path + " on " + node + ": " + e.getMessage(), e);
            }
        }
        throw last != null ? last : new RigException("no running node for " + method + " " + path);
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
        long count = 0;
        for (VaultNode node : nodes()) {
            try (java.util.stream.Stream<String> lines = java.nio.file.Files.lines(node.dir().resolve("vault.log"))) {
                count += lines.filter(l -> l.startsWith("{") && l.contains("\"type\":\"request\"")).count();
            } catch (IOException | java.io.UncheckedIOException e) {
                // a node without a log has received nothing
            }
        }
        return count;
    }

    // ---- lifecycle actions as Auto Scaling would open them ------------------------------------------

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
     * What Auto Scaling does after a terminate hook completes: the instance goes away (its Vault process is
     * killed) and the group launches a replacement instance. Returns the replacement's id (no Vault yet).
     */
    public String finishTermination(String instanceId) {
        VaultNode node = node(instanceId);
        node.kill();
        String replacement = replaceInstance(instanceId);
        synchronized (nodes) {
            nodes.remove(instanceId);
        }
        return replacement;
    }

    /**
     * Brings the cluster back to its spec: every node that is stopped or no longer in the Raft configuration
     * is killed, its instance replaced, a Vault process started for the replacement, and the replacement
     * awaited as a healthy voter. Used between tests that remove or kill nodes.
     */
    public void heal(Duration timeout) {
        for (VaultNode node : nodes()) {
            rig.recorder().lifecycleState(node.instanceId(), null); // retained or waiting: in service again
        }
        Set<String> members = raftNodeIds();
        // Stopped, no longer a peer, or its instance gone from the group (e.g. a group scaled to 0): replaced. The dead
        // first, and each peer removed before its process stops, so that every removal still has a quorum to commit.
        List<VaultNode> retiring = new ArrayList<>(nodes().stream().filter(node -> !node.running()
                || !members.contains(node.instanceId()) || !groupInstanceIds(node.groupName()).contains(node.instanceId()))
                .toList());
        retiring.sort(java.util.Comparator.comparing(VaultNode::running));
        for (VaultNode node : retiring) {
            if (members.contains(node.instanceId())) {
                try {
                    admin("PUT", "sys/storage/raft/remove-peer", Map.of("server_id", node.instanceId()));
                } catch (RigException e) {
                    // no quorum to commit it: the later pass (or the test's failure report) shows it
                }
            }
            node.kill();
            if (groupInstanceIds(node.groupName()).contains(node.instanceId())) {
                RigGroups.retireForHeal(rig, node.instanceId(), node.groupName());
            }
            synchronized (nodes) {
                nodes.remove(node.instanceId());
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
        for (String stale : raftNodeIds()) {
            if (nodes().stream().noneMatch(n -> n.instanceId().equals(stale))) {
                admin("PUT", "sys/storage/raft/remove-peer", Map.of("server_id", stale));
            }
        }
        await("autopilot healthy after heal", timeout, () -> autopilot().path("healthy").asBoolean(false)
                && raftNodeIds().size() == spec.totalNodes());
    }

    // ---- waiting and diagnostics --------------------------------------------------------------------

    /** Polls until the condition holds; on timeout fails with the cluster's state and crashed nodes' logs. */
    public void await(String description, Duration timeout, BooleanSupplier condition) {
        RigWait.until(description, timeout, condition, this::diagnostics);
    }

    /** Node by node: address, process state, health; the last log lines of nodes that died unexpectedly. */
    public String diagnostics() {
        StringBuilder out = new StringBuilder("cluster ").append(spec.name()).append(":\n");
        for (VaultNode node : nodes()) {
            ManagedProcess process = node.process();
            out.append("  ").append(node.instanceId()).append(' ').append(node.apiAddress()).append(' ')
                    .append(process == null ? "not started" : process.toString())
                    .append(" health=").append(node.running() ? healthCode(node) : -1).append('\n');
            if (process != null && !process.alive() && process.exitCode() != null && process.exitCode() != 137
                    && process.exitCode() != 143 && process.exitCode() != 0) {
                out.append("    last log lines of ").append(node.instanceId()).append(":\n    ")
                        .append(node.logTail(20).replace("\n", "\n    ")).append('\n');
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

    public String kmsKeyId() {
        return kmsKeyId;
    }

    public String rootToken() {
        return rootToken;
    }

    public String caPem() {
        return tls.caPem();
    }

    public Path caFile() {
        return caFile;
    }

    public String tlsServerName() {
        return spec.tlsServerName();
    }

    public int vaultPort() {
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
        RigAddresses.release(octet);
    }

    private VaultHttp.Reply call(IoCall call) {
        try {
            return call.run();
        } catch (IOException e) {
            throw new RigException(e.getMessage(), e);
        }
    }

    @FunctionalInterface
    private interface IoCall {
        VaultHttp.Reply run() throws IOException;
    }
}
