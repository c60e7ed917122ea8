package dev.raftlifecycle.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Context values: defaults, parsing of -c strings and cdk.json values, and messages naming the key. */
class ClusterConfigTest {

    @TempDir
    Path dir;

    private ClusterConfig config(Map<String, Object> context) {
        return ClusterConfig.fromContext(context::get, dir);
    }

    private InvalidConfigurationException invalid(Map<String, Object> context) {
        try {
            config(context);
        } catch (InvalidConfigurationException e) {
            return e;
        }
        throw new AssertionError("expected the configuration to be rejected: " + context);
    }

    @Test
    void defaultsDescribeAThreeVoterClusterInANewVpc() {
        ClusterConfig c = config(Map.of());
        assertThat(c.clusterName()).isEqualTo("vault");
        assertThat(c.stackName()).isEqualTo("RaftLifecycle-vault");
        assertThat(c.existingVpc()).isEmpty();
        assertThat(c.vpcCidr()).isEqualTo("10.64.0.0/16");
        assertThat(c.availabilityZones()).isEmpty();
        assertThat(c.natGateways()).isEqualTo(3);
        assertThat(c.nodesPerAz()).isEqualTo(1);
        assertThat(c.voters()).isEqualTo(3);
        assertThat(c.groupNames()).containsExactly("vault-servers-1", "vault-servers-2", "vault-servers-3");
        assertThat(c.amiId()).isEmpty();
        assertThat(c.amiSsmParameter()).isEqualTo("/raft-lifecycle/ami/latest");
        assertThat(c.tlsSecret()).isEqualTo("raft-lifecycle/vault/tls");
        assertThat(c.tlsServerName()).isEqualTo("vault.vault.internal");
        assertThat(c.iamServerId()).isEqualTo(c.tlsServerName());
        assertThat(c.caCertificatePem()).isEmpty();
        assertThat(c.enterprise()).isFalse();
        assertThat(c.metricsNamespace()).isEqualTo("RaftLifecycle");
        assertThat(c.launchMaxWaitSeconds()).isEqualTo(600);
        assertThat(c.elbHealthChecks()).as("a first deploy's nodes fail the load balancer's check").isFalse();
        assertThat(c.functionsJar()).isEqualTo(dir.resolve("../functions/target/raft-lifecycle-functions.jar")
                .normalize());
    }

    @Test
    void commandLineStringsAndCdkJsonValuesBothParse() {
        ClusterConfig fromStrings = config(Map.of("nodesPerAz", "3", "enterprise", "true",
                "availabilityZones", "eu-west-1a, eu-west-1b,eu-west-1c"));
        ClusterConfig fromJson = config(Map.of("nodesPerAz", 3, "enterprise", true,
                "availabilityZones", List.of("eu-west-1a", "eu-west-1b", "eu-west-1c")));
        for (ClusterConfig c : List.of(fromStrings, fromJson)) {
            assertThat(c.nodesPerAz()).isEqualTo(3);
            assertThat(c.enterprise()).isTrue();
            assertThat(c.voters()).isEqualTo(3);
            assertThat(c.totalServers()).isEqualTo(9);
            assertThat(c.availabilityZones()).containsExactly("eu-west-1a", "eu-west-1b", "eu-west-1c");
        }
        assertThat(config(Map.of("nodesPerAz", "2")).voters()).isEqualTo(6);
    }

    @Test
    void everyProblemIsReportedAtOnceNamingItsKey() {
        InvalidConfigurationException e = invalid(Map.of(
                "clusterName", "Bad_Name",
                "nodesPerAz", "0",
                "amiId", "ami-0123456789abcdef0",
                "amiSsmParameter", "/x",
                "enterprise", "maybe",
                "clientCidrs", "0.0.0.0/0"));
        assertThat(e.problems()).anyMatch(p -> p.startsWith("clusterName:"))
                .anyMatch(p -> p.startsWith("nodesPerAz:"))
                .anyMatch(p -> p.startsWith("amiId:") && p.contains("not both"))
                .anyMatch(p -> p.startsWith("enterprise:"))
                .anyMatch(p -> p.startsWith("clientCidrs:") && p.contains("0.0.0.0/0"));
        assertThat(e.getMessage()).contains("infra/README.md");
    }

    @Test
    void anExistingVpcNeedsItsSubnetsZonesAndCidrBecauseNothingIsLookedUp() {
        InvalidConfigurationException e = invalid(Map.of("vpcId", "vpc-0123456789abcdef0"));
        assertThat(e.problems()).anyMatch(p -> p.startsWith("privateSubnetIds:"))
                .anyMatch(p -> p.startsWith("availabilityZones:"))
                .anyMatch(p -> p.startsWith("vpcCidr:"));
        assertThat(invalid(Map.of("privateSubnetIds", "subnet-0aaaaaaaaaaaaaaa1")).problems())
                .anyMatch(p -> p.startsWith("privateSubnetIds:") && p.contains("vpcId"));
        assertThat(invalid(Map.of("availabilityZones", "eu-west-1a,eu-west-1b")).problems())
                .anyMatch(p -> p.startsWith("availabilityZones:") && p.contains("exactly 3"));
        ClusterConfig ok = config(Map.of("vpcId", "vpc-0123456789abcdef0", "vpcCidr", "10.1.0.0/16",
                "availabilityZones", "us-east-1a,us-east-1b,us-east-1c",
                "privateSubnetIds", "subnet-0aaaaaaaaaaaaaaa1,subnet-0bbbbbbbbbbbbbbb2,subnet-0ccccccccccccccc3"));
        assertThat(ok.existingVpc()).hasValueSatisfying(v -> assertThat(v.privateSubnetIds()).hasSize(3));
    }

    @Test
    void theCaComesFromAFileOrInlineAndMustBeACertificateOnly() throws IOException {
        String pem = Files.readString(TestStacks.testCa());
        Path file = dir.resolve("ca.pem");
        Files.writeString(file, pem);
        assertThat(config(Map.of("caCertificateFile", "ca.pem")).caCertificatePem()).contains(pem.strip() + "\n");
        assertThat(config(Map.of("caCertificatePem", pem.strip().replace("\n", "\\n"))).caCertificatePem())
                .contains(pem.strip() + "\n");
        assertThat(invalid(Map.of("caCertificateFile", "missing.pem")).problems())
                .anyMatch(p -> p.startsWith("caCertificateFile: cannot read"));
        assertThat(invalid(Map.of("caCertificateFile", "ca.pem", "caCertificatePem", pem)).problems())
                .anyMatch(p -> p.contains("not both"));
        assertThat(invalid(Map.of("caCertificatePem", "hello")).problems())
                .anyMatch(p -> p.startsWith("caCertificatePem: holds no PEM certificate"));
        assertThat(invalid(Map.of("caCertificatePem", pem + "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----"))
                .problems()).anyMatch(p -> p.contains("private key"));
        assertThat(invalid(Map.of("caCertificatePem", pem.repeat(6))).problems())
                .anyMatch(p -> p.contains("4 KB"));
    }

    @Test
    void theLaunchWaitStaysBelowTheLambdaTimeoutMinusTheSafetyMargin() {
        assertThat(config(Map.of("launchMaxWaitSeconds", "889")).launchMaxWaitSeconds()).isEqualTo(889);
        assertThat(invalid(Map.of("launchMaxWaitSeconds", "890")).problems())
                .anyMatch(p -> p.startsWith("launchMaxWaitSeconds:"));
    }

    @Test
    void alarmTargetsAndEnterpriseOptionsAreConsistent() {
        assertThat(invalid(Map.of("alarmEmail", "a@example.com",
                "alarmTopicArn", "arn:aws:sns:eu-west-1:123456789012:t")).problems())
                .anyMatch(p -> p.startsWith("alarmEmail:") && p.contains("not both"));
        assertThat(invalid(Map.of("alarmTopicArn", "arn:aws:sqs:eu-west-1:123456789012:q")).problems())
                .anyMatch(p -> p.startsWith("alarmTopicArn:"));
        assertThat(invalid(Map.of("logRetentionDays", "31")).problems())
                .anyMatch(p -> p.startsWith("logRetentionDays:"));
        assertThat(invalid(Map.of("metricsNamespace", "AWS/Lambda")).problems())
                .anyMatch(p -> p.startsWith("metricsNamespace:"));
    }

    @Test
    void theDefaultVaultVersionIsTheOneTheAmiPins() throws IOException {
        String pins = Files.readString(TestStacks.repoRoot().resolve("ami/versions.auto.pkrvars.hcl"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^vault_version\\s*=\\s*\"([^\"]+)\"")
                .matcher(pins);
        assertThat(m.find()).as("vault_version in ami/versions.auto.pkrvars.hcl").isTrue();
        assertThat(ClusterConfig.DEFAULT_VAULT_VERSION).isEqualTo(m.group(1));
        assertThat(config(Map.of("vaultVersion", "v1.21.4+ent")).vaultVersion()).isEqualTo("1.21.4+ent");
    }

    @Test
    void everyContextKeyIsDocumentedInTheReadmeTable() throws IOException {
        String readme = Files.readString(TestStacks.infraDir().resolve("README.md"));
        for (String key : ClusterConfig.KEYS) {
            assertThat(readme).as("README row for " + key).containsPattern("(?m)^\\| `" + key + "` \\|");
        }
    }

    @Test
    void cdkJsonHoldsOnlyKnownKeysAndFeatureFlags() {
        Map<String, Object> context = new HashMap<>(TestStacks.cdkJsonContext());
        context.keySet().removeIf(key -> key.startsWith("@aws-cdk"));
        assertThat(ClusterConfig.KEYS).containsAll(context.keySet());
        // And cdk.json's values are a valid configuration on their own.
        assertThat(config(TestStacks.cdkJsonContext()).clusterName()).isEqualTo("vault");
    }

    @Test
    void theDefaultConsulVersionIsTheOneTheAmiPins() throws IOException {
        String pins = Files.readString(TestStacks.repoRoot().resolve("ami/versions.auto.pkrvars.hcl"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^consul_version\\s*=\\s*\"([^\"]+)\"")
                .matcher(pins);
        assertThat(m.find()).as("consul_version in ami/versions.auto.pkrvars.hcl").isTrue();
        assertThat(ClusterConfig.DEFAULT_CONSUL_VERSION).isEqualTo(m.group(1));
    }

    @Test
    void consulDefaultsFollowTheSystem() {
        ClusterConfig c = config(Map.of("system", "consul"));
        assertThat(c.consul()).isTrue();
        assertThat(c.clusterName()).isEqualTo("consul");
        assertThat(c.groupNames()).containsExactly("consul-servers-1", "consul-servers-2", "consul-servers-3");
        assertThat(c.datacenter()).isEqualTo("consul");
        assertThat(c.tlsServerName()).isEqualTo("server.consul.consul");
        assertThat(c.tlsSecret()).isEqualTo("raft-lifecycle/consul/tls");
        assertThat(c.gossipKeySecret()).isEqualTo("raft-lifecycle/consul/gossip");
        assertThat(c.metricsNamespace()).isEqualTo("RaftLifecycle/Consul");
        assertThat(c.serverVersion()).isEqualTo("1.16.3");
        ClusterConfig named = config(Map.of("system", "consul", "clusterName", "kv", "datacenter", "eu-1"));
        assertThat(named.tlsServerName()).isEqualTo("server.eu-1.consul");
        assertThat(named.gossipKeySecret()).isEqualTo("raft-lifecycle/kv/gossip");
        assertThat(config(Map.of()).consul()).isFalse();
    }

    @Test
    void vaultOnlyKeysWithConsulFailNamingTheKey() {
        assertThat(invalid(Map.of("system", "consul", "enterprise", "true")).getMessage())
                .contains("enterprise: applies only to system=vault");
        assertThat(invalid(Map.of("system", "consul", "vaultVersion", "1.21.4")).getMessage())
                .contains("vaultVersion: applies only to system=vault");
    }

    @Test
    void consulOnlyKeysWithVaultFailNamingTheKey() {
        for (String key : ClusterConfig.CONSUL_ONLY_KEYS) {
            Object value = key.endsWith("KmsKeyArn")
                    ? "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555" : "x1";
            assertThat(invalid(Map.of(key, value)).getMessage()).as(key)
                    .contains(key + ": applies only to system=consul");
        }
    }

    @Test
    void anUnknownSystemFailsNamingTheKey() {
        assertThat(invalid(Map.of("system", "nomad")).getMessage())
                .contains("system: must be 'vault' or 'consul', not 'nomad'");
    }

    @Test
    void consulCertificateNameAndSecretsAreChecked() {
        assertThat(invalid(Map.of("system", "consul", "tlsServerName", "consul.example.internal")).getMessage())
                .contains("tlsServerName: with system=consul must be server.consul.consul");
        assertThat(invalid(Map.of("system", "consul", "tlsSecret", "shared", "gossipKeySecret", "shared"))
                .getMessage()).contains("gossipKeySecret: must be a secret of its own");
        assertThat(invalid(Map.of("system", "consul", "gossipKeySecretKmsKeyArn", "alias/mine")).getMessage())
                .contains("gossipKeySecretKmsKeyArn: must be a KMS key ARN");
        assertThat(invalid(Map.of("system", "consul", "datacenter", "EU_1")).getMessage())
                .contains("datacenter: 'EU_1' is not a Consul datacenter name");
    }

    @Test
    void aGossipKeyGivenInsteadOfItsSecretNameIsRefusedWithoutRepeatingIt() {
        String key = java.util.Base64.getEncoder().encodeToString(new byte[32]).replace('A', 'q');
        InvalidConfigurationException e = invalid(Map.of("system", "consul", "gossipKeySecret", key));
        assertThat(e.getMessage()).contains("gossipKeySecret: looks like a gossip key itself")
                .doesNotContain(key);
        assertThat(ClusterConfig.looksLikeGossipKey("raft-lifecycle/consul/gossip")).isFalse();
    }

    @Test
    void keyAdminsAndBreakGlassPrincipalsAreRoleOrUserArnsNeverTheRootOrASession() {
        ClusterConfig c = config(Map.of(
                "keyAdmins", "arn:aws:iam::123456789012:role/vault-key-admin, arn:aws:iam::123456789012:user/alice",
                "breakGlassPrincipals", List.of("arn:aws:iam::123456789012:role/security/break-glass")));
        assertThat(c.keyAdmins()).containsExactly("arn:aws:iam::123456789012:role/vault-key-admin",
                "arn:aws:iam::123456789012:user/alice");
        assertThat(c.breakGlassPrincipals()).containsExactly("arn:aws:iam::123456789012:role/security/break-glass");
        assertThat(config(Map.of()).keyAdmins()).isEmpty();
        assertThat(config(Map.of()).breakGlassPrincipals()).isEmpty();

        assertThat(invalid(Map.of("keyAdmins", "arn:aws:iam::123456789012:root")).getMessage())
                .contains("keyAdmins: 'arn:aws:iam::123456789012:root' is the account root");
        assertThat(invalid(Map.of("breakGlassPrincipals",
                "arn:aws:sts::123456789012:assumed-role/ops/alice")).getMessage())
                .contains("breakGlassPrincipals: 'arn:aws:sts::123456789012:assumed-role/ops/alice' is a session ARN");
        assertThat(invalid(Map.of("keyAdmins", "vault-key-admin")).getMessage())
                .contains("keyAdmins: 'vault-key-admin' is not an IAM role or user ARN");
        assertThat(invalid(Map.of("breakGlassPrincipals", "arn:aws:iam::123456789012:group/ops")).getMessage())
                .contains("breakGlassPrincipals: 'arn:aws:iam::123456789012:group/ops' is not an IAM role or user ARN");
        assertThat(invalid(Map.of("keyAdmins", "arn:aws:iam::12345:role/short")).problems())
                .anyMatch(p -> p.startsWith("keyAdmins:"));
    }

    @Test
    void theCloudFormationRoleIsOneRoleArn() {
        assertThat(config(Map.of()).cloudFormationRoleArn()).isEmpty();
        assertThat(config(Map.of("cloudFormationRoleArn", "arn:aws:iam::123456789012:role/deploy-pipeline"))
                .cloudFormationRoleArn()).contains("arn:aws:iam::123456789012:role/deploy-pipeline");
        assertThat(invalid(Map.of("cloudFormationRoleArn", "arn:aws:iam::123456789012:user/alice")).getMessage())
                .contains("cloudFormationRoleArn: must be one IAM role ARN");
        assertThat(invalid(Map.of("cloudFormationRoleArn",
                "arn:aws:iam::123456789012:role/a,arn:aws:iam::123456789012:role/b")).getMessage())
                .contains("cloudFormationRoleArn: must be one IAM role ARN");
        assertThat(invalid(Map.of("cloudFormationRoleArn", "arn:aws:sts::123456789012:assumed-role/ops/alice"))
                .getMessage()).contains("is a session ARN");
    }

    @Test
    void initCidrsAreNarrowRangesThatReplaceTheClientsUntilTheFirstInitialization() {
        ClusterConfig open = config(Map.of("clientCidrs", "10.64.0.0/16,192.168.10.0/24"));
        assertThat(open.initWindow()).isFalse();
        assertThat(open.apiCidrs()).containsExactly("10.64.0.0/16", "192.168.10.0/24");
        assertThat(config(Map.of()).apiCidrs()).containsExactly("10.64.0.0/16");
        ClusterConfig init = config(Map.of("clientCidrs", "10.64.0.0/16", "initCidrs", "203.0.113.10/32,10.64.3.0/24"));
        assertThat(init.initWindow()).isTrue();
        assertThat(init.apiCidrs()).containsExactly("203.0.113.10/32", "10.64.3.0/24");

        assertThat(invalid(Map.of("initCidrs", "10.64.0.0/16")).getMessage())
                .contains("initCidrs: '10.64.0.0/16' is wider than /24");
        assertThat(invalid(Map.of("initCidrs", "0.0.0.0/0")).getMessage()).contains("initCidrs: '0.0.0.0/0' is wider");
        assertThat(invalid(Map.of("initCidrs", "203.0.113.300/32")).getMessage())
                .contains("initCidrs: '203.0.113.300/32' is not an IPv4 CIDR block");
        // Consul has no init window to guard (the stack bootstraps its ACLs); its keyAdmins administer the snapshot key.
        assertThat(invalid(Map.of("system", "consul", "initCidrs", "203.0.113.10/32")).getMessage())
                .contains("initCidrs: applies only to system=vault");
        assertThat(config(Map.of("system", "consul", "keyAdmins", "arn:aws:iam::123456789012:role/a")).keyAdmins())
                .containsExactly("arn:aws:iam::123456789012:role/a");
        assertThat(config(Map.of("system", "consul", "breakGlassPrincipals", "arn:aws:iam::123456789012:role/a"))
                .breakGlassPrincipals()).containsExactly("arn:aws:iam::123456789012:role/a");
    }
}
