package dev.raftlifecycle.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftlifecycle.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The adopt and shadow context values: what an adopted cluster must give, what it may not, and the messages. */
class AdoptConfigTest {

    @TempDir
    Path dir;

    private Map<String, Object> valid;

    @BeforeEach
    void validAdoption() throws IOException {
        Files.copy(TestStacks.testCa(), dir.resolve("ca.pem"));
        valid = new HashMap<>(Map.of(
                "adopt", "tf-vault-a, tf-vault-b,tf-vault-c",
                "clusterName", "prod-vault",
                "tlsServerName", "vault.prod.example.internal",
                "vpcId", "vpc-0123456789abcdef0",
                "privateSubnetIds", "subnet-0aaaaaaaaaaaaaaa1,subnet-0bbbbbbbbbbbbbbb2",
                "serverSecurityGroupId", "sg-0123456789abcdef0",
                "caCertificateFile", "ca.pem",
                "shadow", "false"));
    }

    private ClusterConfig config(Map<String, Object> context) {
        return ClusterConfig.fromContext(context::get, dir);
    }

    private String problems(Map<String, Object> context) {
        try {
            config(context);
        } catch (InvalidConfigurationException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected the configuration to be rejected: " + context);
    }

    @Test
    void anAdoptionNamesItsGroupsOnItsOwnStackName() {
        ClusterConfig c = config(valid);
        assertThat(c.adopted()).isTrue();
        assertThat(c.groupNames()).containsExactly("tf-vault-a", "tf-vault-b", "tf-vault-c");
        assertThat(c.stackName()).isEqualTo("RaftLifecycleAdopt-prod-vault");
        assertThat(c.shadow()).as("shadow=false given").isFalse();
        assertThat(c.apiPort()).isEqualTo(8200);
        assertThat(c.expectedServerVersion()).as("no version given: none expected").isEmpty();
        assertThat(c.existingVpc().orElseThrow().privateSubnetIds()).hasSize(2);
        valid.put("vaultVersion", "1.15.6");
        valid.put("apiPort", "443");
        assertThat(config(valid).expectedServerVersion()).contains("1.15.6");
        assertThat(config(valid).apiPort()).isEqualTo(443);
    }

    @Test
    void whatAnAdoptedClusterCannotDoWithoutIsNamedAllAtOnce() {
        for (String key : List.of("clusterName", "tlsServerName", "vpcId", "privateSubnetIds", "serverSecurityGroupId",
                "caCertificateFile")) {
            Map<String, Object> context = new HashMap<>(valid);
            context.remove(key);
            assertThat(problems(context)).as("without " + key).contains(key + ": ").contains("is required with adopt");
        }
        String all = problems(Map.of("adopt", "g1"));
        assertThat(all).contains("clusterName:", "tlsServerName:", "vpcId:", "privateSubnetIds:",
                "serverSecurityGroupId:", "caCertificateFile:");
    }

    @Test
    void keysOfWhatOnlyANewClusterBuildsAreRefusedWithAdopt() {
        for (String key : ClusterConfig.NEW_CLUSTER_ONLY_KEYS) {
            Map<String, Object> context = new HashMap<>(valid);
            context.put(key, "x");
            assertThat(problems(context)).as(key).contains(key + ": describes what only a new cluster's stack builds");
        }
    }

    @Test
    void badAdoptValuesAreNamed() {
        valid.put("adopt", "ok-group,arn:aws:autoscaling:bad");
        valid.put("serverSecurityGroupId", "group-1");
        valid.put("apiPort", "70000");
        valid.put("vaultAuthMount", "/bad mount");
        String message = problems(valid);
        assertThat(message).contains("adopt: 'arn:aws:autoscaling:bad' is not an Auto Scaling group name",
                "serverSecurityGroupId: 'group-1' is not a security group id", "apiPort: must be a whole number from 1",
                "vaultAuthMount: '/bad mount' is not a Vault auth mount path");
        assertThat(problems(Map.of("adopt", ""))).contains("adopt: names no group");
        assertThat(problems(Map.of("adopt", "a,b,a"))).contains("adopt: lists 'a' twice");
        assertThat(problems(Map.of("adopt", "true"))).contains("adopt: names the existing Auto Scaling groups");
    }

    @Test
    void adoptOnlyKeysAreRefusedOnANewClustersStack() {
        assertThat(problems(Map.of("serverSecurityGroupId", "sg-0123456789abcdef0", "apiPort", "8200")))
                .contains("serverSecurityGroupId: applies only to an adopted cluster",
                        "apiPort: applies only to an adopted cluster");
        assertThat(problems(Map.of("system", "consul", "vaultAuthMount", "aws2")))
                .contains("vaultAuthMount: applies only to system=vault");
    }

    @Test
    void shadowIsABooleanOnEitherStackAndSetsModeOnEveryHandler() {
        assertThat(problems(Map.of("shadow", "maybe"))).contains("shadow: must be true or false, not 'maybe'");
        ClusterConfig newCluster = config(Map.of("shadow", "true"));
        valid.put("shadow", true);
        ClusterConfig adopted = config(valid);
        for (ClusterConfig c : List.of(newCluster, adopted)) {
            assertThat(c.shadow()).isTrue();
            for (Map<String, String> env : List.of(LambdaEnvironment.terminating(c, "ca", "t"),
                    LambdaEnvironment.launching(c, "ca", "t"), LambdaEnvironment.publisher(c, "ca", "t", null, null),
                    LambdaEnvironment.reconciler(c, "ca", "t"), LambdaEnvironment.interruption(c, "ca", "t"),
                    LambdaEnvironment.snapshot(c, "ca", "t", "b", "k"))) {
                assertThat(env).containsEntry(Settings.MODE, "shadow");
            }
        }
        assertThat(LambdaEnvironment.terminating(config(Map.of()), "ca", "t")).doesNotContainKey(Settings.MODE);
    }

    @Test
    void theNewClustersStackRefusesAnAdoptedConfiguration() {
        ClusterConfig adopted = config(valid);
        assertThatThrownBy(() -> RaftLifecycleApp.compose(new software.amazon.awscdk.App(), adopted))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("composeAdopted");
    }

    @Test
    void theHandlersEnvironmentForCodeOutsideTheAppIsTheStacksWithTheAccountGiven() {
        valid.put("shadow", "true");
        ClusterConfig c = config(valid);
        Map<String, String> env = HandlerEnvironment.of("terminating", c, "-----BEGIN CERTIFICATE-----\nx\n"
                + "-----END CERTIFICATE-----\n", "locks", "123456789012");
        assertThat(env).containsEntry(Settings.ASG_NAMES, "tf-vault-a,tf-vault-b,tf-vault-c")
                .containsEntry(Settings.MODE, "shadow").containsEntry(Settings.ACCOUNT_ID, "123456789012")
                .containsEntry(Settings.VAULT_AUTH_ROLE, "raft-lifecycle").containsEntry(Settings.LOCK_TABLE, "locks")
                .containsEntry(Settings.VAULT_CA_PEM, "-----BEGIN CERTIFICATE-----\\nx\\n-----END CERTIFICATE-----");
        // What the handlers themselves accept: the same variables parse into their settings.
        Map<String, String> withRegion = new HashMap<>(env);
        withRegion.put(Settings.AWS_REGION, "eu-west-1");
        Settings settings = Settings.from(withRegion);
        assertThat(settings.groupNames()).containsExactly("tf-vault-a", "tf-vault-b", "tf-vault-c");
        assertThat(HandlerEnvironment.of("publisher", c, "pem", "locks", "123456789012"))
                .doesNotContainKeys(Settings.CANARY_ADDRESS, Settings.UNSEAL_KEY_ID)
                .containsEntry(Settings.VAULT_AUTH_ROLE, "raft-lifecycle-publisher");
        assertThatThrownBy(() -> HandlerEnvironment.of("snapshot", c, "pem", "locks", "123456789012"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Active from the first deploy, the launching handler ABANDONs every launch it cannot verify (before the servers'
     * group admits the Lambdas and Vault has their roles): the groups would replace every new server. An adoption
     * says which mode it starts in.
     */
    @Test
    void anAdoptionSaysWhetherItRunsInShadowMode() {
        Map<String, Object> unsaid = new HashMap<>(valid);
        unsaid.remove("shadow");
        assertThat(problems(unsaid)).contains("shadow: is required with adopt: true for the first deploy");
        valid.put("shadow", "true");
        assertThat(config(valid).shadow()).isTrue();
        valid.put("shadow", "false");
        assertThat(config(valid).shadow()).isFalse();
        // A new cluster's stack keeps its default (active).
        assertThat(config(Map.of()).shadow()).isFalse();
    }

    /**
     * scripts/configure-vault sets iam_server_id_header_value on the mount: on a running cluster's aws/ (its own
     * clients' mount) every login without the header would fail. An adopted cluster gets a mount of its own unless
     * the operator names one.
     */
    @Test
    void anAdoptedVaultClusterLogsInOnAMountOfItsOwnUnlessOneIsNamed() {
        ClusterConfig c = config(valid);
        assertThat(c.vaultAuthMount()).isEqualTo("raft-lifecycle-aws").isNotEqualTo("aws");
        assertThat(LambdaEnvironment.terminating(c, "ca", "t")).containsEntry(Settings.VAULT_AUTH_MOUNT,
                "raft-lifecycle-aws");
        valid.put("vaultAuthMount", "aws");
        assertThat(config(valid).vaultAuthMount()).as("named on purpose").isEqualTo("aws");
        assertThat(config(Map.of()).vaultAuthMount()).as("a new cluster: its own Vault, aws/").isEqualTo("aws");
    }

    /** In the handlers' group ARNs, IAM reads '*' and '?' as wildcards and '${...}' as a policy variable. */
    @Test
    void groupNamesThatIamWouldReadAsPatternsAreRefused() {
        for (String name : List.of("prod-vault-*", "vault-?", "vault-${aws:username}")) {
            valid.put("adopt", "tf-vault-a," + name);
            assertThat(problems(valid)).as(name).contains("adopt: '" + name + "' contains '*', '?' or '${'");
        }
        valid.put("adopt", "vault (prod) #1,vault.b_c+d=e@f");
        assertThat(config(valid).groupNames()).containsExactly("vault (prod) #1", "vault.b_c+d=e@f");
    }

    /**
     * The servers the stack builds verify each other as server.<datacenter>.consul; an adopted Consul cluster's
     * certificates carry whatever name its owner gave (a custom domain, say): the handlers verify that name.
     */
    @Test
    void anAdoptedConsulClusterIsVerifiedByTheNameItsCertificatesCarry() {
        Map<String, Object> consul = new HashMap<>(valid);
        consul.put("system", "consul");
        consul.put("tlsServerName", "server.dc1.example.internal");
        ClusterConfig c = config(consul);
        assertThat(c.tlsServerName()).isEqualTo("server.dc1.example.internal");
        assertThat(LambdaEnvironment.terminating(c, "ca", "t")).containsEntry(Settings.VAULT_TLS_SERVER_NAME,
                "server.dc1.example.internal");
        // A cluster the stack builds still needs the name its servers verify each other by.
        assertThat(problems(Map.of("system", "consul", "tlsServerName", "server.dc1.example.internal")))
                .contains("tlsServerName: with system=consul must be server.consul.consul");
    }
}
