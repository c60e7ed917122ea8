package dev.raftlifecycle.rig.firstboot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.Net;
import dev.raftlifecycle.rig.Rig;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.VaultNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The first-boot playbook, run for real on this machine for a new instance of the rig's cluster: identity
 * from an IMDSv2 stub, TLS material from Secrets Manager in the emulator, every file under a scratch root.
 * The proof that the rendered vault.hcl is right is that a real Vault started from it, unchanged, joins the
 * running cluster through auto_join (EC2 DescribeInstances answered by the emulator) and auto-unseals
 * through the emulator's KMS.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FirstBootPlaybookIT {
    @RegisterExtension
    static final RaftClusterExtension<VaultCluster> CLUSTER = RaftClusterExtension.vault(ClusterSpec.defaults().withoutAuth());

    private static FirstBootInstance instance;
    private static FirstBootPlaybook.Result firstRun;
    private static AwsTlsRelay relay;

    @AfterAll
    static void closeStubs() {
        if (instance != null) {
            instance.close();
        }
        if (relay != null) {
            relay.close();
        }
    }

    // ---- a new node of the cluster -----------------------------------------------------------------

    @Test
    @Order(1)
    void firstRunRendersTheNodeFromImdsAndSecretsManager() throws IOException {
        FirstBootPlaybook.Result run = firstRun();
        VaultCluster cluster = CLUSTER.cluster();
        FirstBootInstance node = newInstance();
        FirstBootPlaybook.ScratchRoot root = mainRoot();

        assertThat(run.recap().changed()).as("first run changes the host").isPositive();
        String hcl = Files.readString(root.vaultHcl());
        String port = Integer.toString(cluster.apiPort());
        assertThat(hcl)
                .contains("node_id = \"" + node.id() + "\"")
                .contains("api_addr     = \"https://" + node.ip() + ":" + port + "\"")
                .contains("cluster_addr = \"https://" + node.ip() + ":" + (cluster.apiPort() + 1) + "\"")
                .contains("address         = \"" + node.ip() + ":" + port + "\"")
                .contains("auto_join             = \"provider=aws region=" + Rig.REGION.id() + " tag_key="
                        + VaultCluster.CLUSTER_TAG + " tag_value=" + cluster.name() + " addr_type=private_v4\"")
                .contains("auto_join_scheme      = \"https\"")
                .contains("leader_tls_servername = \"" + cluster.tlsServerName() + "\"")
                .contains("kms_key_id = \"" + cluster.kmsKeyId() + "\"")
                .contains("disable_mlock = true")
                .contains("statsd_address   = \"127.0.0.1:8125\"")
                .contains("filter_default   = false")
                .doesNotContain("autopilot_redundancy_zone");

        assertThat(Files.readString(root.tlsDir().resolve("ca.pem"))).isEqualToIgnoringWhitespace(node.tls().caPem());
        assertThat(Files.readString(root.tlsDir().resolve("vault.crt")))
                .isEqualToIgnoringWhitespace(node.tls().certificateChainPem());
        assertThat(Files.readString(root.tlsDir().resolve("vault.key")))
                .isEqualToIgnoringWhitespace(node.tls().privateKeyPem());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.tlsDir().resolve("vault.key"))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.tlsDir().resolve("vault.crt"))))
                .isEqualTo("rw-r-----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.vaultHcl())))
                .isEqualTo("rw-r-----");
        assertThat(Files.getOwner(root.tlsDir().resolve("vault.key")).getName())
                .isEqualTo(System.getProperty("user.name"));

        // Token first: every metadata read carried a token the stub had issued.
        assertThat(node.imds().tokensIssued()).isPositive();
        assertThat(node.imds().readsServed()).isGreaterThanOrEqualTo(4);
        assertThat(node.imds().readsWithoutValidToken()).isZero();
        // The private key never reaches the output.
        assertThat(run.output()).doesNotContain(node.privateKeyLine());
    }

    @Test
    @Order(1)
    void firstRunPreparesTheAuditLogItsRotationAndTheLogsTheAgentShips() throws IOException {
        firstRun();
        FirstBootPlaybook.ScratchRoot root = mainRoot();
        String group = Files.readAttributes(root.root(), java.nio.file.attribute.PosixFileAttributes.class).group().getName();

        // Vault's directory, setgid to the reader group: the file Vault creates there (mode 0640) is that group's.
        Path auditDir = root.auditLogFile().getParent();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(auditDir))).isEqualTo("rwxr-x---");
        assertThat((Integer) Files.getAttribute(auditDir, "unix:mode") & 02000).as("setgid").isEqualTo(02000);
        Files.writeString(root.auditLogFile(), "{}\n");
        assertThat(Files.readAttributes(root.auditLogFile(), java.nio.file.attribute.PosixFileAttributes.class).group()
                .getName()).isEqualTo(group);

        String rotate = Files.readString(root.logrotateDir().resolve("vault-audit"));
        assertThat(rotate).contains(root.auditLogFile() + " {", "daily", "rotate 7", "compress", "delaycompress",
                "create 0640 " + System.getProperty("user.name") + " " + group,
                "/usr/bin/systemctl reload vault.service");

        // The agent's logs configuration: the audit log and the journal, each to its group, a stream per instance.
        JsonNode collect = new com.fasterxml.jackson.databind.ObjectMapper().readTree(root.agentLogsConfig().toFile())
                .path("logs").path("logs_collected").path("files").path("collect_list");
        assertThat(collect).hasSize(2);
        assertThat(collect.get(0).path("file_path").asText()).isEqualTo(root.auditLogFile().toString());
        assertThat(collect.get(0).path("log_group_name").asText()).isEqualTo(auditLogGroup());
        assertThat(collect.get(1).path("file_path").asText()).isEqualTo(root.journalFile().toString());
        assertThat(collect.get(1).path("log_group_name").asText()).isEqualTo(journalLogGroup());
        assertThat(collect.get(0).path("log_stream_name").asText()).isEqualTo("{instance_id}");
    }

    @Test
    @Order(2)
    void thePrivateKeyNeverExistsWithWiderPermissionsThanItsFinalMode() throws IOException {
        newInstance();
        FirstBootPlaybook.ScratchRoot root = scratch("traced");
        Path trace = root.base().resolve("strace.txt");
        // Every call that creates a file or sets a mode, in every process of the run, with descriptors' paths (-y).
        FirstBootPlaybook.Result run = FirstBootPlaybook.run(root, variables(root, newInstance()), java.util.List.of(
                NodeImageTools.strace().toString(), "-f", "-qq", "-y", "-s", "512", "-o", trace.toString(),
                "-e", "trace=open,openat,creat,chmod,fchmod,fchmodat,rename,renameat,renameat2"));
        assertThat(run.succeeded()).as(run.run().describe()).isTrue();
        assertThat(root.tlsDir().resolve("vault.key")).isRegularFile();

        // Each call naming the key or its temporary file: any mode it creates or sets must lie within 0600.
        java.util.regex.Pattern mode = java.util.regex.Pattern.compile(
                "^\\d+\\s+(openat|open|creat|chmod|fchmod|fchmodat)\\((.*), (0[0-7]+)\\)\\s+= ");
        java.util.List<String> calls = Files.readAllLines(trace).stream().filter(l -> l.contains("vault.key")).toList();
        assertThat(calls).as("the trace saw the key being written").anyMatch(l -> l.contains("rename"));
        java.util.List<String> wider = new java.util.ArrayList<>();
        for (String call : calls) {
            java.util.regex.Matcher m = mode.matcher(call);
            if (m.find() && (!m.group(1).startsWith("open") || m.group(2).contains("O_CREAT"))
                    && (Integer.parseInt(m.group(3), 8) & ~0600) != 0) {
                wider.add(call);
            }
        }
        assertThat(wider).as("calls giving the private key more than 0600").isEmpty();
    }

    @Test
    @Order(2)
    void withoutLogGroupsNothingIsShipped() {
        newInstance();
        FirstBootPlaybook.ScratchRoot root = scratch("no-log-groups");
        Map<String, Object> vars = variables(root, newInstance());
        vars.remove("vault_node_audit_log_group");
        vars.put("vault_node_journal_log_group", "");
        FirstBootPlaybook.Result run = FirstBootPlaybook.run(root, vars);
        assertThat(run.succeeded()).as(run.run().describe()).isTrue();
        assertThat(root.agentLogsConfig()).doesNotExist();
        assertThat(root.logrotateDir().resolve("vault-audit")).isRegularFile();
    }

    @Test
    @Order(2)
    void renderedConfigBootsANodeThatJoinsTheClusterAsAVoterAndAutoUnseals() throws IOException {
        firstRun();
        VaultCluster cluster = CLUSTER.cluster();
        FirstBootInstance node = newInstance();
        relay = new AwsTlsRelay(CLUSTER.rig().motoEndpoint(), Set.of("ec2." + Rig.REGION.id() + ".amazonaws.com"),
                mainRoot().base().resolve("aws-relay-ca.pem"));

        // vault.hcl exactly as rendered. auto_join's EC2 client cannot be given an endpoint, so it reaches the
        // emulator through the relay (HTTPS_PROXY + a trusted test CA); the seal uses the endpoint override.
        VaultNode started = cluster.startNodeFromConfig(node.id(), mainRoot().vaultHcl(), Map.of(
                "HTTPS_PROXY", relay.proxyUrl().toString(),
                "SSL_CERT_FILE", relay.caFile().toString(),
                "VAULT_LOG_FORMAT", "standard"));
        cluster.awaitVoter(node.id(), Duration.ofSeconds(120));

        JsonNode server = cluster.raftServers().stream().filter(s -> s.path("node_id").asText().equals(node.id()))
                .findFirst().orElseThrow();
        assertThat(server.path("address").asText()).isEqualTo(node.ip() + ":" + (cluster.apiPort() + 1));
        assertThat(server.path("voter").asBoolean()).isTrue();

        JsonNode seal = cluster.http().get(started.apiAddress(), "sys/seal-status", null).body();
        // recovery_seal is true only for an auto-unseal barrier: this node unsealed through the emulator's KMS.
        assertThat(seal.path("recovery_seal").asBoolean(false)).as("auto-unseal barrier").isTrue();
        assertThat(seal.path("sealed").asBoolean(true)).isFalse();
        assertThat(cluster.healthCode(started)).isIn(200, 429);

        // auto_join really asked EC2 (the emulator) for the tagged, running instances; nothing else left.
        assertThat(relay.relayed("Action=DescribeInstances")).as("DescribeInstances through the relay").isTrue();
        assertThat(relay.relayed("tag%3A" + VaultCluster.CLUSTER_TAG.replace(":", "%3A"))).isTrue();
        assertThat(relay.refusedHosts()).isEmpty();
    }

    @Test
    @Order(3)
    void secondRunChangesNothing() {
        firstRun();
        FirstBootPlaybook.Result again = FirstBootPlaybook.run(mainRoot(), mainVariables());
        assertThat(again.succeeded()).as(again.run().describe()).isTrue();
        assertThat(again.recap().changed()).as(again.output()).isZero();
    }

    @Test
    @Order(4)
    void renderedVaultUnitPassesSystemdVerifyWithThePackagingHardening() throws IOException {
        firstRun();
        Path unit = mainRoot().systemdDir().resolve("vault.service");
        NodeImageTools.Run verify = SystemdUnits.verify(unit, mainRoot().base());
        assertThat(verify.ok()).as(verify.describe()).isTrue();
        assertThat(SystemdUnits.findings(verify)).as(verify.describe()).isEmpty();
        assertThat(Files.readString(unit))
                .contains("ExecStart=" + CLUSTER.rig().vaultBin() + " server -config=" + mainRoot().vaultHcl())
                .contains("ProtectSystem=full", "PrivateTmp=yes", "NoNewPrivileges=yes", "AmbientCapabilities=CAP_IPC_LOCK",
                        "CapabilityBoundingSet=CAP_SYSLOG CAP_IPC_LOCK", "LimitNOFILE=65536", "KillSignal=SIGINT",
                        "TimeoutStopSec=30", "ConditionFileNotEmpty=" + mainRoot().vaultHcl(),
                        "User=" + System.getProperty("user.name"));
    }

    @Test
    @Order(5)
    void enterpriseModeNamesTheInstancesZoneAsRedundancyZone() throws IOException {
        FirstBootInstance node = newInstance();
        FirstBootPlaybook.ScratchRoot root = scratch("enterprise");
        Map<String, Object> vars = variables(root, node);
        vars.put("vault_node_enterprise", true);
        FirstBootPlaybook.Result run = FirstBootPlaybook.run(root, vars);
        assertThat(run.succeeded()).as(run.run().describe()).isTrue();
        assertThat(Files.readString(root.vaultHcl()))
                .contains("autopilot_redundancy_zone = \"" + node.zone() + "\"");
    }

    // ---- bad input: fail early, name the cause, write nothing ---------------------------------------

    @Test
    void missingSecretFailsNamingTheSecretAndWritesNothing() {
        FirstBootInstance node = newInstance();
        FirstBootPlaybook.ScratchRoot root = scratch("missing-secret");
        Map<String, Object> vars = variables(root, node);
        String missing = "raft-lifecycle/absent-" + UUID.randomUUID();
        vars.put("vault_node_tls_secret_id", missing);
        FirstBootPlaybook.Result run = FirstBootPlaybook.run(root, vars);
        assertFailedWithoutWriting(run, root, "TLS secret '" + missing + "' not found in Secrets Manager");
    }

    @Test
    void unreachableImdsFailsNamingImdsAndWritesNothing() {
        FirstBootInstance node = newInstance();
        FirstBootPlaybook.ScratchRoot root = scratch("imds-unreachable");
        Map<String, Object> vars = variables(root, node);
        String closed = "http://127.0.0.1:" + Net.freePort();
        vars.put("vault_node_imds_url", closed);
        FirstBootPlaybook.Result run = FirstBootPlaybook.run(root, vars);
        assertFailedWithoutWriting(run, root, "IMDS unreachable at " + closed);
    }

    @Test
    void refusedImdsTokenFailsNamingTheRefusalAndNeverFallsBackToImdsV1() {
        FirstBootInstance node = newInstance();
        FirstBootPlaybook.ScratchRoot root = scratch("imds-refused");
        try (ImdsStub refusing = ImdsStub.refusingTokens()) {
            Map<String, Object> vars = variables(root, node);
            vars.put("vault_node_imds_url", refusing.url().toString());
            FirstBootPlaybook.Result run = FirstBootPlaybook.run(root, vars);
            assertFailedWithoutWriting(run, root, "IMDSv2 token refused by " + refusing.url()
                    + ": PUT /latest/api/token answered HTTP 403");
            assertThat(refusing.tokensRefused()).isPositive();
            assertThat(refusing.readsServed() + refusing.readsWithoutValidToken())
                    .as("metadata reads attempted without a token").isZero();
        }
    }

    @Test
    void imdsStubEnforcesTheTokenProtocol() throws Exception {
        try (ImdsStub imds = ImdsStub.forInstance("i-0123456789abcdef0", "us-east-1a", "us-east-1", "10.0.1.5")) {
            HttpClient http = HttpClient.newHttpClient();
            URI id = imds.url().resolve("/latest/meta-data/instance-id");
            URI token = imds.url().resolve("/latest/api/token");
            assertThat(http.send(HttpRequest.newBuilder(id).GET().build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).as("IMDSv1 read").isEqualTo(401);
            assertThat(http.send(HttpRequest.newBuilder(token).PUT(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).as("token without TTL").isEqualTo(400);
            String issued = http.send(HttpRequest.newBuilder(token).header(ImdsStub.TTL_HEADER, "60")
                    .PUT(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(http.send(HttpRequest.newBuilder(id).header(ImdsStub.TOKEN_HEADER, "forged").GET().build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).as("unknown token").isEqualTo(401);
            HttpResponse<String> read = http.send(HttpRequest.newBuilder(id).header(ImdsStub.TOKEN_HEADER, issued)
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(read.statusCode()).isEqualTo(200);
            assertThat(read.body()).isEqualTo("i-0123456789abcdef0");
            assertThat(imds.readsWithoutValidToken()).isEqualTo(2);
        }
    }

    private static void assertFailedWithoutWriting(FirstBootPlaybook.Result run, FirstBootPlaybook.ScratchRoot root,
                                                   String cause) {
        assertThat(run.succeeded()).as("the play must fail:\n" + run.output()).isFalse();
        assertThat(run.recap().failed()).isEqualTo(1);
        assertThat(run.output()).contains(cause);
        assertThat(Files.exists(root.vaultHcl())).as("vault.hcl left behind").isFalse();
        assertThat(root.regularFiles()).as("files written under " + root.root()).isZero();
    }

    // ---- fixtures -----------------------------------------------------------------------------------

    /** An instance launched in the cluster's first group, with its TLS secret and IMDS. */
    private static synchronized FirstBootInstance newInstance() {
        if (instance == null) {
            VaultCluster cluster = CLUSTER.cluster();
            String id = cluster.launchInstance(cluster.groupNames().get(0));
            instance = FirstBootInstance.create(CLUSTER.rig(), id, cluster::issueNodeCertificate,
                    "raft-lifecycle/" + cluster.name() + "/tls");
        }
        return instance;
    }

    private static synchronized FirstBootPlaybook.Result firstRun() {
        if (firstRun == null) {
            FirstBootPlaybook.Result run = FirstBootPlaybook.run(mainRoot(), mainVariables());
            assertThat(run.succeeded()).as(run.run().describe()).isTrue();
            firstRun = run;
        }
        return firstRun;
    }

    private static FirstBootPlaybook.ScratchRoot mainRoot;

    private static synchronized FirstBootPlaybook.ScratchRoot mainRoot() {
        if (mainRoot == null) {
            mainRoot = scratch("node");
        }
        return mainRoot;
    }

    private static String auditLogGroup() {
        return "/raft-lifecycle/" + CLUSTER.cluster().name() + "/vault-audit";
    }

    private static String journalLogGroup() {
        return "/raft-lifecycle/" + CLUSTER.cluster().name() + "/journal";
    }

    private static Map<String, Object> mainVariables() {
        return variables(mainRoot(), newInstance());
    }

    private static FirstBootPlaybook.ScratchRoot scratch(String name) {
        return FirstBootPlaybook.ScratchRoot.create(CLUSTER.rig().workDir().resolve("firstboot")
                .resolve(CLUSTER.cluster().name() + "-" + name));
    }

    /**
     * What the launch template's firstboot.json gives (cluster name, KMS key, TLS secret; the auto_join tag
     * and region are left to their defaults: the cluster tag, and the region from IMDS), plus the test's
     * overrides: where IMDS and the AWS endpoints are, the scratch paths, and no service management.
     */
    private static Map<String, Object> variables(FirstBootPlaybook.ScratchRoot root, FirstBootInstance node) {
        VaultCluster cluster = CLUSTER.cluster();
        Rig rig = CLUSTER.rig();
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put("vault_node_cluster_name", cluster.name());
        vars.put("vault_node_kms_key_id", cluster.kmsKeyId());
        vars.put("vault_node_tls_secret_id", node.tlsSecretId());
        vars.put("vault_node_enterprise", false);
        vars.put("vault_node_tls_server_name", cluster.tlsServerName());
        vars.put("vault_node_api_port", cluster.apiPort());
        vars.put("vault_node_cluster_port", cluster.apiPort() + 1);
        vars.put("vault_node_imds_url", node.imds().url().toString());
        vars.put("vault_node_secretsmanager_endpoint", rig.motoEndpoint().toString());
        vars.put("vault_node_kms_endpoint", rig.motoEndpoint().toString());
        vars.put("vault_node_bin", rig.vaultBin().toString());
        vars.put("vault_node_manage_service", false);
        // The log groups the stack creates and names in firstboot.json.
        vars.put("vault_node_audit_log_group", auditLogGroup());
        vars.put("vault_node_journal_log_group", journalLogGroup());
        // The build machine's swap says nothing about the instance's; the AMI has none.
        vars.put("vault_node_require_swap_off", false);
        vars.putAll(root.pathVariables());
        return vars;
    }
}
