package dev.raftlifecycle.rig.firstboot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.contract.ClusterTags;
import dev.raftlifecycle.contract.ConsulAccess;
import dev.raftlifecycle.contract.ConsulPorts;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.ConsulCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.ConsulNode;
import dev.raftlifecycle.rig.Rig;
import dev.raftlifecycle.rig.Tools;
import dev.raftlifecycle.rig.VaultHttp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * The first-boot playbook with {@code raft_lifecycle_system: consul}, run for real on this machine for a new instance
 * of a rig Consul cluster that runs as a deployment does (gossip encrypted, server RPC over verified TLS, ACLs deny by
 * default): identity from the IMDSv2 stub, TLS and the gossip key from Secrets Manager in the emulator, every file
 * under a scratch root. The proof that the rendered configuration is right is that a real Consul 1.16.3 started from
 * it, unchanged, finds the servers through cloud auto-join (go-discover's aws provider, EC2 in the emulator), joins as
 * a healthy voter under its instance id, and that the rendered login script gets it its agent token from the aws-iam
 * auth method.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsulFirstBootIT {
    /** As `consul keygen` prints it: 32 random bytes, base64. */
    private static final String GOSSIP_KEY = newGossipKey();

    @RegisterExtension
    static final RaftClusterExtension<ConsulCluster> CLUSTER = RaftClusterExtension.consul(
            ClusterSpec.defaults().withTlsServerName("server." + ConsulCluster.DATACENTER + ".consul"), GOSSIP_KEY);

    private static FirstBootInstance instance;
    private static String gossipSecretId;
    private static String managementSecretId;
    private static FirstBootPlaybook.Result firstRun;
    private static FirstBootPlaybook.ScratchRoot mainRoot;
    private static ConsulNode started;

    @AfterAll
    static void closeStubs() {
        if (started != null) {
            started.kill();
        }
        if (instance != null) {
            instance.close();
        }
    }

    // ---- a new server of the cluster ----------------------------------------------------------------

    @Test
    @Order(1)
    void firstRunRendersAConsulServerFromImdsAndSecretsManager() throws IOException {
        FirstBootPlaybook.Result run = firstRun();
        ConsulCluster cluster = CLUSTER.cluster();
        FirstBootInstance node = newInstance();
        FirstBootPlaybook.ScratchRoot root = mainRoot();

        assertThat(run.recap().changed()).as("first run changes the host").isPositive();
        String hcl = Files.readString(root.consulHcl());
        assertThat(hcl)
                .contains("server           = true")
                .contains("bootstrap_expect = " + cluster.spec().totalNodes())
                .contains("datacenter       = \"" + ConsulCluster.DATACENTER + "\"")
                .contains("node_name        = \"" + node.id() + "\"")
                .contains("bind_addr        = \"" + node.ip() + "\"")
                .contains("advertise_addr   = \"" + node.ip() + "\"")
                .contains("leave_on_terminate      = false")
                .contains("skip_leave_on_interrupt = true")
                .contains("retry_join     = [\"provider=aws region=" + Rig.REGION.id() + " tag_key="
                        + ClusterTags.CLUSTER + " tag_value=" + cluster.name() + " addr_type=private_v4 endpoint="
                        + CLUSTER.rig().motoEndpoint() + "\"]")
                .contains("https    = " + ConsulPorts.HTTPS, "http     = -1", "server   = " + ConsulPorts.SERVER_RPC,
                        "serf_lan = " + ConsulPorts.SERF_LAN)
                .contains("verify_server_hostname = true")
                .contains("encrypt_verify_incoming = true", "encrypt_verify_outgoing = true")
                .contains("default_policy           = \"deny\"")
                .contains("min_quorum           = " + cluster.spec().totalNodes())
                .contains("statsd_address   = \"127.0.0.1:8125\"");
        // The gossip key is in a file of its own, readable by the Consul group only, never in consul.hcl.
        Path gossip = root.consulConfigDir().resolve("gossip-key.hcl");
        assertThat(Files.readString(gossip)).contains("encrypt = \"" + GOSSIP_KEY + "\"");
        assertThat(hcl).doesNotContain(GOSSIP_KEY);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(gossip))).isEqualTo("rw-r-----");
        // The initial management token (the cluster's own, from its secret) likewise: a file of its own, group-read.
        Path management = root.consulConfigDir().resolve("initial-management-token.hcl");
        assertThat(Files.readString(management)).contains("initial_management = \"" + cluster.adminToken() + "\"");
        assertThat(hcl).doesNotContain(cluster.adminToken());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(management))).isEqualTo("rw-r-----");

        assertThat(Files.readString(root.consulTlsDir().resolve("consul.key")))
                .isEqualToIgnoringWhitespace(node.tls().privateKeyPem());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.consulTlsDir().resolve("consul.key"))))
                .isEqualTo("rw-------");
        assertThat(Files.readString(root.consulTlsDir().resolve("ca.pem"))).isEqualToIgnoringWhitespace(node.tls().caPem());

        // Token first: every metadata read carried a token the stub had issued.
        assertThat(node.imds().tokensIssued()).isPositive();
        assertThat(node.imds().readsServed()).isGreaterThanOrEqualTo(4);
        assertThat(node.imds().readsWithoutValidToken()).isZero();
        // The CloudWatch agent ships the journal (as rsyslog writes it) to the stack's log group.
        com.fasterxml.jackson.databind.JsonNode collect = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(root.agentLogsConfig().toFile()).path("logs").path("logs_collected").path("files")
                .path("collect_list");
        assertThat(collect).hasSize(1);
        assertThat(collect.get(0).path("file_path").asText()).isEqualTo(root.journalFile().toString());
        assertThat(collect.get(0).path("log_group_name").asText()).isEqualTo("/raft-lifecycle/" + cluster.name() + "/journal");

        // Neither the private key nor the gossip key nor the management token reaches Ansible's output.
        assertThat(run.output()).doesNotContain(node.privateKeyLine()).doesNotContain(GOSSIP_KEY)
                .doesNotContain(cluster.adminToken());
    }

    @Test
    @Order(2)
    void productionConfigurationJoinsByCloudAutoJoinWithoutEndpointOverrides() throws IOException {
        FirstBootInstance node = newInstance();
        FirstBootPlaybook.ScratchRoot root = scratch("production");
        Map<String, Object> vars = variables(root, node);
        // What firstboot.json holds on an instance: no endpoint overrides, the region from the stack.
        vars.remove("consul_node_retry_join_endpoint");
        vars.remove("consul_node_sts_endpoint");
        FirstBootPlaybook.Result run = FirstBootPlaybook.run(root, vars);
        assertThat(run.succeeded()).as(run.run().describe()).isTrue();
        String hcl = Files.readString(root.consulHcl());
        assertThat(hcl).contains("retry_join     = [\"provider=aws region=" + Rig.REGION.id() + " tag_key="
                + ClusterTags.CLUSTER + " tag_value=" + CLUSTER.cluster().name() + " addr_type=private_v4\"]");
        assertThat(hcl).doesNotContain("endpoint=");
        String script = Files.readString(root.helperDir().resolve("consul-agent-token"));
        assertThat(script).contains("-method=" + ConsulAccess.AGENT_AUTH_METHOD).doesNotContain("-aws-sts-endpoint");
    }

    @Test
    @Order(3)
    void renderedConfigBootsAServerThatJoinsByCloudAutoJoinAndLogsInItsAgentToken() throws Exception {
        firstRun();
        ConsulCluster cluster = CLUSTER.cluster();
        FirstBootInstance node = newInstance();
        Rig rig = CLUSTER.rig();

        // The configuration directory exactly as rendered, started as the unit does, with the rig's own credentials
        // for EC2 (cloud auto-join's DescribeInstances).
        Instant begin = Instant.now();
        started = cluster.startNodeFromConfigDir(node.id(), mainRoot().consulConfigDir(), Map.of(
                "AWS_ACCESS_KEY_ID", rig.adminCredentials().accessKeyId(),
                "AWS_SECRET_ACCESS_KEY", rig.adminCredentials().secretAccessKey(), "AWS_REGION", Rig.REGION.id(),
                "AWS_EC2_METADATA_DISABLED", "true"));
        cluster.awaitVoter(node.id(), Duration.ofSeconds(120));
        Duration toVoter = Duration.between(begin, Instant.now());
        System.err.printf("consul first boot: %s a healthy voter %.1f s after its process started%n", node.id(),
                toVoter.toMillis() / 1000.0);

        JsonNode server = null;
        for (JsonNode s : cluster.consul("GET", "operator/raft/configuration", null).path("Servers")) {
            if (s.path("Node").asText().equals(node.id())) {
                server = s;
            }
        }
        assertThat(server).as("the new server in the Raft configuration").isNotNull();
        assertThat(server.path("Address").asText()).isEqualTo(node.ip() + ":" + ConsulPorts.SERVER_RPC);
        assertThat(server.path("Voter").asBoolean()).isTrue();
        assertThat(cluster.members()).containsEntry(node.id(), "alive");
        // It found the servers through go-discover's aws provider, i.e. DescribeInstances on the emulator's EC2.
        assertThat(started.log())
                .contains("discover-aws: Endpoint is " + rig.motoEndpoint())
                .contains("discover-aws: Filter instances with " + ClusterTags.CLUSTER + "=" + cluster.name())
                .contains("Discovered servers")
                .contains("Join cluster completed");

        // The operator's first-deploy step for the agents: the agent policy and role, and an aws-iam auth method
        // bound to the servers' instance role (here a role in the emulator's IAM).
        String serverRole = "raft-lifecycle-servers-" + UUID.randomUUID().toString().substring(0, 8);
        String serverRoleArn = rig.iam().createRole(r -> r.roleName(serverRole).assumeRolePolicyDocument(
                rig.trustPolicy())).role().arn();
        cluster.consul("PUT", "acl/policy", Map.of("Name", ConsulAccess.AGENT_POLICY, "Rules", ConsulAccess.AGENT_RULES));
        cluster.consul("PUT", "acl/role", Map.of("Name", ConsulAccess.AGENT_ROLE,
                "Policies", List.of(Map.of("Name", ConsulAccess.AGENT_POLICY))));
        cluster.consul("PUT", "acl/auth-method", Map.of("Name", ConsulAccess.AGENT_AUTH_METHOD, "Type", "aws-iam",
                "TokenLocality", "local",
                "Config", Map.of("BoundIAMPrincipalARNs", List.of(serverRoleArn),
                        "STSEndpoint", rig.motoEndpoint().toString(), "IAMEndpoint", rig.motoEndpoint().toString(),
                        "ServerIDHeaderValue", cluster.tlsServerName())));
        cluster.consul("PUT", "acl/binding-rule", Map.of("AuthMethod", ConsulAccess.AGENT_AUTH_METHOD,
                "BindType", "role", "BindName", ConsulAccess.AGENT_ROLE,
                "Selector", "entity_name==\"" + serverRole + "\""));

        // The instance profile's credentials: the server role, session named by the instance (as EC2 does).
        Credentials credentials = rig.sts().assumeRole(r -> r.roleArn(serverRoleArn).roleSessionName(node.id()))
                .credentials();
        Map<String, String> env = new HashMap<>(Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
                "HOME", mainRoot().base().toString(),
                "AWS_ACCESS_KEY_ID", credentials.accessKeyId(), "AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey(),
                "AWS_SESSION_TOKEN", credentials.sessionToken(), "AWS_EC2_METADATA_DISABLED", "true"));
        Path script = mainRoot().helperDir().resolve("consul-agent-token");
        NodeImageTools.Run login = NodeImageTools.run(List.of("/bin/sh", script.toString()), mainRoot().base(), env, 120);
        assertThat(login.ok()).as(login.describe()).isTrue();

        Path tokenFile = mainRoot().consulConfigDir().resolve("agent-token.hcl");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile))).isEqualTo("rw-r-----");
        String token = Files.readString(tokenFile).replaceAll("(?s).*agent = \"([0-9a-f-]+)\".*", "$1");
        assertThat(token).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(login.output()).as("the login script prints no token").doesNotContain(token);
        VaultHttp.Reply self = cluster.http().get(started.apiAddress(), "acl/token/self", token);
        assertThat(self.status()).isEqualTo(200);
        assertThat(self.body().path("AuthMethod").asText()).isEqualTo(ConsulAccess.AGENT_AUTH_METHOD);
        assertThat(self.body().path("Roles").findValuesAsText("Name")).containsExactly(ConsulAccess.AGENT_ROLE);
        // The token names its instance (login meta in its description), so a terminated instance's token can be found.
        assertThat(self.body().path("Description").asText()).contains("\"raft-lifecycle-instance-id\":\"" + node.id() + "\"");

        // systemctl reload consul (the login unit's ExecStartPost): Consul takes the token from agent-token.hcl and
        // its anti-entropy, refused by ACLs until now, syncs the node at its next round (about a minute here: a
        // reload does not start one).
        int before = started.log().length();
        started.reload();
        cluster.await("the agent's node info synced with its token", Duration.ofSeconds(150),
                () -> started.log().substring(before).contains("Synced node info"));

        // Run again (a reboot): the token file exists, nothing is logged in twice.
        NodeImageTools.Run again = NodeImageTools.run(List.of("/bin/sh", script.toString()), mainRoot().base(), env, 60);
        assertThat(again.ok()).as(again.describe()).isTrue();
        assertThat(again.output()).contains("nothing to do");
        assertThat(Files.readString(tokenFile)).contains(token);
        assertThat(started.log()).doesNotContain(GOSSIP_KEY).doesNotContain(token);
    }

    @Test
    @Order(4)
    void secondRunChangesNothing() {
        firstRun();
        FirstBootPlaybook.Result again = FirstBootPlaybook.run(mainRoot(), variables(mainRoot(), newInstance()));
        assertThat(again.succeeded()).as(again.run().describe()).isTrue();
        assertThat(again.recap().changed()).as(again.output()).isZero();
        assertThat(again.output()).doesNotContain(GOSSIP_KEY);
    }

    @Test
    @Order(5)
    void renderedUnitsPassSystemdVerifyAndTheLoginScriptShellcheck() throws IOException {
        firstRun();
        Path script = mainRoot().helperDir().resolve("consul-agent-token");
        NodeImageTools.Run shellcheck = NodeImageTools.run(NodeImageTools.command(NodeImageTools.shellcheck(), script),
                mainRoot().base(), 60);
        assertThat(shellcheck.ok()).as(shellcheck.describe()).isTrue();
        assertThat(shellcheck.output()).as(shellcheck.describe()).isBlank();

        Path unit = mainRoot().systemdDir().resolve("consul.service");
        NodeImageTools.Run verify = SystemdUnits.verify(unit, mainRoot().base());
        assertThat(verify.ok()).as(verify.describe()).isTrue();
        assertThat(SystemdUnits.findings(verify)).as(verify.describe()).isEmpty();
        assertThat(Files.readString(unit))
                .contains("ExecStart=" + Tools.consul() + " agent -config-dir=" + mainRoot().consulConfigDir())
                .contains("Type=notify", "KillSignal=SIGTERM", "ProtectSystem=full", "NoNewPrivileges=yes",
                        "TimeoutStopSec=30", "ConditionFileNotEmpty=" + mainRoot().consulHcl());

        Path login = mainRoot().systemdDir().resolve("consul-agent-token.service");
        NodeImageTools.Run verifyLogin = SystemdUnits.verify(login, mainRoot().base(), List.of(unit));
        assertThat(verifyLogin.ok()).as(verifyLogin.describe()).isTrue();
        assertThat(SystemdUnits.findings(verifyLogin)).as(verifyLogin.describe()).isEmpty();
        assertThat(Files.readString(login))
                .contains("Requires=consul.service", "After=consul.service", "Restart=on-failure",
                        "ConditionPathExists=!" + mainRoot().consulConfigDir().resolve("agent-token.hcl"),
                        "ExecStartPost=/usr/bin/systemctl reload consul.service");
    }

    // ---- bad input: fail early, name the cause, write nothing ---------------------------------------

    @Test
    void missingGossipKeySecretFailsNamingItAndWritesNothing() {
        FirstBootInstance node = newInstance();
        FirstBootPlaybook.ScratchRoot root = scratch("missing-gossip");
        Map<String, Object> vars = variables(root, node);
        String missing = "raft-lifecycle/absent-" + UUID.randomUUID();
        vars.put("consul_node_gossip_key_secret_id", missing);
        FirstBootPlaybook.Result run = FirstBootPlaybook.run(root, vars);
        assertFailedWithoutWriting(run, root, "gossip key secret '" + missing + "' not found in Secrets Manager");
    }

    @Test
    void malformedGossipKeyFailsWithoutEchoingIt() {
        FirstBootInstance node = newInstance();
        FirstBootPlaybook.ScratchRoot root = scratch("bad-gossip");
        String secret = "raft-lifecycle/bad-gossip-" + UUID.randomUUID();
        String notAKey = "not-a-gossip-key-" + UUID.randomUUID();
        FirstBootInstance.putSecret(CLUSTER.rig(), secret, notAKey);
        Map<String, Object> vars = variables(root, node);
        vars.put("consul_node_gossip_key_secret_id", secret);
        FirstBootPlaybook.Result run = FirstBootPlaybook.run(root, vars);
        assertFailedWithoutWriting(run, root, "gossip key secret '" + secret + "' is not base64");
        assertThat(run.output()).doesNotContain(notAKey);
    }

    @Test
    void malformedInitialManagementTokenFailsWithoutEchoingIt() {
        newInstance();
        FirstBootPlaybook.ScratchRoot root = scratch("bad-management");
        String secret = "raft-lifecycle/bad-management-" + UUID.randomUUID();
        String notAToken = "not-a-token-" + UUID.randomUUID();
        FirstBootInstance.putSecret(CLUSTER.rig(), secret, notAToken);
        Map<String, Object> vars = variables(root, newInstance());
        vars.put("consul_node_initial_management_token_secret_id", secret);
        FirstBootPlaybook.Result run = FirstBootPlaybook.run(root, vars);
        assertFailedWithoutWriting(run, root, "initial management token secret '" + secret + "' is not a UUID");
        assertThat(run.output()).doesNotContain(notAToken);
    }

    @Test
    void missingDatacenterFailsNamingTheInputs() {
        FirstBootInstance node = newInstance();
        FirstBootPlaybook.ScratchRoot root = scratch("no-datacenter");
        Map<String, Object> vars = variables(root, node);
        vars.put("consul_node_datacenter", "");
        FirstBootPlaybook.Result run = FirstBootPlaybook.run(root, vars);
        assertFailedWithoutWriting(run, root, "missing input: consul_node_datacenter");
    }

    private static void assertFailedWithoutWriting(FirstBootPlaybook.Result run, FirstBootPlaybook.ScratchRoot root,
                                                   String cause) {
        assertThat(run.succeeded()).as("the play must fail:\n" + run.output()).isFalse();
        assertThat(run.recap().failed()).isEqualTo(1);
        assertThat(run.output()).contains(cause).doesNotContain(GOSSIP_KEY);
        assertThat(Files.exists(root.consulHcl())).as("consul.hcl left behind").isFalse();
        assertThat(root.regularFiles()).as("files written under " + root.root()).isZero();
    }

    // ---- fixtures -----------------------------------------------------------------------------------

    private static String newGossipKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    /** An instance launched in the cluster's first group, with its TLS and gossip key secrets and IMDS. */
    private static synchronized FirstBootInstance newInstance() {
        if (instance == null) {
            ConsulCluster cluster = CLUSTER.cluster();
            String id = cluster.launchInstance(cluster.groupNames().get(0));
            instance = FirstBootInstance.create(CLUSTER.rig(), id, cluster::issueNodeCertificate,
                    "raft-lifecycle/" + cluster.name() + "/tls");
            gossipSecretId = "raft-lifecycle/" + cluster.name() + "/gossip";
            FirstBootInstance.putSecret(CLUSTER.rig(), gossipSecretId, GOSSIP_KEY);
            // The cluster's own initial management token: the rendered server must agree with the running ones.
            managementSecretId = "raft-lifecycle/" + cluster.name() + "/initial-management-token";
            // As the stack generates it: 32 hexadecimal digits (Secrets Manager cannot generate dashes); the first boot
            // writes them in UUID form, which is the running cluster's token.
            FirstBootInstance.putSecret(CLUSTER.rig(), managementSecretId, cluster.adminToken().replace("-", ""));
        }
        return instance;
    }

    private static synchronized FirstBootPlaybook.Result firstRun() {
        if (firstRun == null) {
            FirstBootPlaybook.Result run = FirstBootPlaybook.run(mainRoot(), variables(mainRoot(), newInstance()));
            assertThat(run.succeeded()).as(run.run().describe()).isTrue();
            firstRun = run;
        }
        return firstRun;
    }

    private static synchronized FirstBootPlaybook.ScratchRoot mainRoot() {
        if (mainRoot == null) {
            mainRoot = scratch("server");
        }
        return mainRoot;
    }

    private static FirstBootPlaybook.ScratchRoot scratch(String name) {
        return FirstBootPlaybook.ScratchRoot.create(CLUSTER.rig().workDir().resolve("firstboot")
                .resolve(CLUSTER.cluster().name() + "-consul-" + name));
    }

    /**
     * What the launch template's firstboot.json gives for system=consul (ServerGroups.consulFirstBootVariables),
     * plus the test's overrides: where IMDS and the AWS endpoints are, the scratch paths, and no service management.
     */
    private static Map<String, Object> variables(FirstBootPlaybook.ScratchRoot root, FirstBootInstance node) {
        ConsulCluster cluster = CLUSTER.cluster();
        Rig rig = CLUSTER.rig();
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("raft_lifecycle_system", "consul");
        vars.put("consul_node_datacenter", ConsulCluster.DATACENTER);
        vars.put("consul_node_bootstrap_expect", cluster.spec().totalNodes());
        vars.put("consul_node_tls_secret_id", node.tlsSecretId());
        vars.put("consul_node_gossip_key_secret_id", gossipSecretId);
        vars.put("consul_node_initial_management_token_secret_id", managementSecretId);
        vars.put("consul_node_retry_join_tag_key", ClusterTags.CLUSTER);
        vars.put("consul_node_retry_join_tag_value", cluster.name());
        vars.put("consul_node_agent_auth_method", ConsulAccess.AGENT_AUTH_METHOD);
        vars.put("consul_node_iam_server_id", cluster.tlsServerName());
        vars.put("consul_node_https_port", ConsulPorts.HTTPS);
        vars.put("consul_node_server_port", ConsulPorts.SERVER_RPC);
        vars.put("consul_node_serf_lan_port", ConsulPorts.SERF_LAN);
        vars.put("consul_node_imds_url", node.imds().url().toString());
        vars.put("consul_node_secretsmanager_endpoint", rig.motoEndpoint().toString());
        vars.put("consul_node_retry_join_endpoint", rig.motoEndpoint().toString());
        vars.put("consul_node_sts_endpoint", rig.motoEndpoint().toString());
        vars.put("consul_node_bin", Tools.consul().toString());
        vars.put("consul_node_manage_service", false);
        // The journal's log group, which the stack creates and names in firstboot.json.
        vars.put("consul_node_journal_log_group", "/raft-lifecycle/" + cluster.name() + "/journal");
        vars.putAll(root.consulPathVariables());
        return vars;
    }
}
