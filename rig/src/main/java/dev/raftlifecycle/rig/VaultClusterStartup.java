package dev.raftlifecycle.rig;

import dev.raftlifecycle.contract.HandlerNames;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ec2.model.Instance;

/**
 * How a cluster comes up, and how a node of it starts: the emulator's side (VPC, launch template, KMS key, the
 * Auto Scaling groups with their hooks), the Vault processes for the groups' instances (TLS from the cluster's CA),
 * init and autopilot, and the deployment's Vault configuration (scripts/configure-vault). Holds the KMS key and the
 * group names it created.
 */
final class VaultClusterStartup {
    private final Rig rig;
    private final ClusterSpec spec;
    private final Path dir;
    private final int octet;
    private final int apiPort;
    private final TlsMaterial tls;
    private final Path caFile;
    private final VaultHttp http;
    private final ClusterNodes<VaultNode> nodes;
    private final ClusterInstances<VaultNode> instances;
    private final VaultClusterChecks checks;
    private String kmsKeyId;

    VaultClusterStartup(Rig rig, ClusterSpec spec, Path dir, int octet, int apiPort, TlsMaterial tls, Path caFile,
                        VaultHttp http, ClusterNodes<VaultNode> nodes, ClusterInstances<VaultNode> instances,
                        VaultClusterChecks checks) {
        this.rig = rig;
        this.spec = spec;
        this.dir = dir;
        this.octet = octet;
        this.apiPort = apiPort;
        this.tls = tls;
        this.caFile = caFile;
        this.http = http;
        this.nodes = nodes;
        this.instances = instances;
        this.checks = checks;
    }

    String kmsKeyId() {
        return kmsKeyId;
    }

    /** Where the handlers' requests come from (the test JVM over loopback): configure-vault's --token-bound-cidr. */
    static final String HANDLER_CIDR = "127.0.0.1/32";

    /** The file the file audit device writes to (configure-vault --audit-file). */
    Path auditLogFile() {
        return dir.resolve("audit.log");
    }

    // ---- setup --------------------------------------------------------------------------------------

    void createInfrastructure() {
        kmsKeyId = spec.unsealKeyId().orElseGet(() -> rig.kms()
                .createKey(r -> r.description("raft-lifecycle rig unseal key " + spec.name())).keyMetadata().keyId());
        instances.createInfrastructure(octet, spec.name() + "-vault");
    }

    /**
     * Starts the first instance's node and initializes it, then the others, which join through retry_join
     * (every node lists every instance, as auto_join would). Starting the others after init saves their
     * first failed join round (about 7 s) without changing what is tested.
     */
    void startInitialNodes() {
        List<Instance> instances = this.instances.describe(this.instances.allInstanceIds());
        List<String> joinAddresses = instances.stream()
                .map(i -> "https://" + advertisedHost(i) + ":" + apiPort).toList();
        VaultNode first = startNode(instances.get(0), new VaultNode.Options(kmsKeyId, joinAddresses));
        checks.awaitListening(first);
        if (!spec.initialize()) {
            for (Instance instance : instances.subList(1, instances.size())) {
                startNode(instance, new VaultNode.Options(kmsKeyId, joinAddresses));
            }
            for (VaultNode node : nodes.all()) {
                checks.awaitListening(node);
            }
            return;
        }
        initialize(first);
        for (Instance instance : instances.subList(1, instances.size())) {
            startNode(instance, new VaultNode.Options(kmsKeyId, joinAddresses));
        }
        for (VaultNode node : nodes.all()) {
            checks.awaitListening(node);
        }
        for (VaultNode node : nodes.all()) {
            checks.awaitVoter(node.instanceId(), Duration.ofSeconds(90));
        }
        checks.await("autopilot healthy", Duration.ofSeconds(60), () -> checks.autopilot().path("healthy").asBoolean(false));
    }

    private static final Duration INIT_TIMEOUT = Duration.ofSeconds(60);

    private void initialize(VaultNode first) {
        // Not retried (a second init of a cluster that is initializing fails), so given time: it generates the keys and
        // encrypts the root key with the emulator's KMS, which takes long on a busy machine.
        VaultHttp.Reply init = call(() -> http.send(first.apiAddress(), "PUT", "sys/init", null,
                Map.of("recovery_shares", 1, "recovery_threshold", 1), INIT_TIMEOUT));
        if (!init.ok()) {
            throw new RigException("sys/init failed: " + init.status() + " " + init.body());
        }
        String rootToken = init.body().path("root_token").asText();
        checks.rootToken(rootToken);
        checks.await("first node active", Duration.ofSeconds(60), () -> checks.healthCode(first) == 200);
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
    void configureAuth() {
        String moto = rig.motoEndpoint().toString();
        VaultNode target = nodes.running().get(0);
        // Each handler's own IAM role, bound as the deployment binds it: the three that change the cluster to the
        // mutating Vault role, the launching handler to the read-only one, the publisher to its own.
        List<String> command = List.of("bash", Rig.repoRoot().resolve("scripts/configure-vault").toString(),
                "--role-arn", rig.handlerRoleArn(HandlerNames.TERMINATING_NAME),
                "--role-arn", rig.handlerRoleArn(HandlerNames.RECONCILER_NAME),
                "--role-arn", rig.handlerRoleArn(HandlerNames.INTERRUPTION_NAME),
                "--read-role-arn", rig.handlerRoleArn(HandlerNames.LAUNCHING_NAME),
                "--publisher-role-arn", rig.handlerRoleArn(HandlerNames.PUBLISHER_NAME),
                "--snapshot-role-arn", rig.handlerRoleArn(HandlerNames.SNAPSHOT_NAME),
                "--server-id", spec.tlsServerName(),
                "--sts-endpoint", moto, "--sts-region", Rig.REGION.id(), "--iam-endpoint", moto,
                // The handlers run in the test JVM and reach the nodes over loopback from 127.0.0.1: the binding is
                // exercised on every login and every request they make.
                "--token-bound-cidr", HANDLER_CIDR,
                // The audit device's options are cluster-wide (every node that becomes active opens the same path):
                // on EC2 each node has its own /var/log/vault, here the nodes share the cluster's directory.
                "--audit-file", auditLogFile().toString());
        ManagedProcess script = ManagedProcess.start("configure-vault", command, dir.resolve("configure-vault.log"),
                Map.of("VAULT_ADDR", target.apiAddress().toString(), "VAULT_TOKEN", checks.rootToken(),
                        "VAULT_CACERT", caFile.toString(), "VAULT_BIN", rig.vaultBin().toString()));
        Integer exit = script.waitFor(60);
        if (exit == null || exit != 0) {
            throw new RigException("scripts/configure-vault failed (exit " + exit + "):\n" + script.tail(20));
        }
        checks.admin("PUT", "sys/mounts/secret", Map.of("type", "kv", "options", Map.of("version", "1")));
        // Audit to each node's log, so tests can count the authenticated requests a handler made.
        checks.admin("PUT", "sys/audit/stdout", Map.of("type", "file", "options", Map.of("file_path", "stdout")));
    }

    /**
     * The operator's second step of a first deploy, after their own {@code vault operator init}: scripts/configure-vault
     * with the root token init returned (the rig then holds that token, as for a cluster it initialized itself).
     */
    void configureAfterOperatorInit(String operatorRootToken) {
        if (checks.rootToken() != null) {
            throw new RigException("cluster " + spec.name() + " was initialized by the rig already");
        }
        checks.rootToken(operatorRootToken);
        configureAuth();
    }

    // ---- nodes --------------------------------------------------------------------------------------

    private VaultNode startNode(Instance instance, VaultNode.Options options) {
        VaultNode node = newNode(instance);
        List<String> names = spec.foreign() ? List.of(spec.tlsServerName(), node.advertisedHost())
                : List.of(spec.tlsServerName());
        TlsMaterial.NodeCert cert = tls.issue(node.ip(), names, node.dir().resolve("tls"));
        // KMS goes through the rig's AWS front, which enforces disabled keys as AWS does (moto does not).
        node.start(rig.vaultBin(), options, cert, caFile, rig.awsEndpoint(), Rig.REGION.id(), rig.adminCredentials());
        nodes.add(node);
        return node;
    }

    /** Starts a Vault process for an instance of this cluster's groups (e.g. a replacement). */
    VaultNode startNode(String instanceId, VaultNode.Options options) {
        VaultNode node = startNode(instances.describe(instanceId), options);
        checks.awaitListening(node);
        return node;
    }

    /** Starts a Vault process for the instance, joining the running members, with the cluster's KMS key. */
    VaultNode startNode(String instanceId) {
        return startNode(instanceId, defaultOptions());
    }

    /** Options of a healthy new member: the cluster's KMS key, retry_join to every running node. */
    VaultNode.Options defaultOptions() {
        List<String> join = nodes.running().stream().map(n -> n.advertisedApiAddress().toString()).toList();
        return new VaultNode.Options(kmsKeyId, join);
    }

    /**
     * Starts a Vault process for the instance from a configuration file rendered outside the rig (the
     * first-boot playbook's vault.hcl). The environment carries what an instance profile would provide
     * (AWS credentials for the seal and auto_join); the rig's emulator accepts any.
     */
    VaultNode startNodeFromConfig(String instanceId, Path configFile, Map<String, String> env) {
        VaultNode node = newNode(instances.describe(instanceId));
        java.util.Map<String, String> all = new java.util.HashMap<>(Map.of("AWS_ACCESS_KEY_ID",
                rig.adminCredentials().accessKeyId(), "AWS_SECRET_ACCESS_KEY", rig.adminCredentials().secretAccessKey(),
                "AWS_REGION", Rig.REGION.id()));
        all.putAll(env);
        node.startWithConfig(rig.vaultBin(), configFile, all);
        nodes.add(node);
        checks.awaitListening(node);
        return node;
    }

    /** A certificate for a node at this IP, signed by the cluster's CA, naming the TLS server name too. */
    TlsMaterial.NodeCertPem issueNodeCertificate(String ipAddress) {
        return tls.issuePem(ipAddress, List.of(spec.tlsServerName()));
    }

    /** The instance's private IP as the emulator reports it. */
    String privateIp(String instanceId) {
        return instances.describe(instanceId).privateIpAddress();
    }

    private VaultNode newNode(Instance instance) {
        return new VaultNode(instance.instanceId(), ClusterInstances.groupOf(instance),
                instance.placement().availabilityZone(), instance.privateIpAddress(),
                spec.foreign() ? java.util.UUID.randomUUID().toString() : instance.instanceId(), advertisedHost(instance),
                apiPort, apiPort + 1, instances.nodeDir(instance.instanceId()));
    }

    /**
     * The host a node names in its api_addr and cluster_addr: our way, the instance's private IP; a foreign cluster's,
     * the private DNS name EC2 reports for the instance, put in the rig's block of /etc/hosts ({@link EtcHosts}) so
     * that Vault and the handlers resolve it to the private IP as a VPC's resolver would.
     */
    private String advertisedHost(Instance instance) {
        if (!spec.foreign()) {
            return instance.privateIpAddress();
        }
        String name = instance.privateDnsName();
        if (name == null || name.isBlank()) {
            throw new RigException("EC2 reports no private DNS name for " + instance.instanceId()
                    + ": a foreign cluster's nodes are addressed by it");
        }
        EtcHosts.add(spec.name(), instance.privateIpAddress(), name);
        return name;
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
