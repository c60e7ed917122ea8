package dev.raftlifecycle.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {
    private static final String CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

    private static Map<String, String> minimal() {
        Map<String, String> env = new HashMap<>();
        env.put(Settings.CLUSTER_NAME, "prod-vault");
        env.put(Settings.ASG_NAMES, "prod-a, prod-b ,prod-c");
        env.put(Settings.VAULT_IAM_SERVER_ID, "vault.example.internal");
        env.put(Settings.VAULT_CA_PEM, CA);
        env.put(Settings.AWS_REGION, "eu-west-1");
        env.put(Settings.ACCOUNT_ID, "123456789012");
        return env;
    }

    @Test
    void theAccountIsRequiredAndMustBeAnAccountIdHooksAndDecommissioningHaveDefaults() {
        Settings s = Settings.from(minimal());
        assertThat(s.accountId()).isEqualTo("123456789012");
        assertThat(s.launchHook()).isEqualTo(dev.raftlifecycle.contract.LifecycleEvents.LAUNCH_HOOK_NAME);
        assertThat(s.terminateHook()).isEqualTo(dev.raftlifecycle.contract.LifecycleEvents.TERMINATE_HOOK_NAME);
        assertThat(s.decommission()).isFalse();
        assertThat(s.safetyRules().decommissionDeclared()).isFalse();
        assertThat(s.claimSettle()).isEqualTo(Duration.ofSeconds(dev.raftlifecycle.contract.Defaults.CLAIM_SETTLE_SECONDS));

        Map<String, String> none = minimal();
        none.remove(Settings.ACCOUNT_ID);
        assertThatThrownBy(() -> Settings.from(none)).hasMessageContaining("ACCOUNT_ID: is required");
        Map<String, String> bad = minimal();
        bad.put(Settings.ACCOUNT_ID, "12345");
        assertThatThrownBy(() -> Settings.from(bad)).hasMessageContaining("ACCOUNT_ID: is not an AWS account id");

        Map<String, String> declared = minimal();
        declared.put(Settings.DECOMMISSION, "true");
        assertThat(Settings.from(declared).safetyRules().decommissionDeclared()).isTrue();
    }

    @Test
    void modeIsActiveByDefaultShadowWhenSaidSoAndAnythingElseIsNamed() {
        Settings active = Settings.from(minimal());
        assertThat(active.shadow()).isFalse();
        assertThat(active.mode()).isEqualTo("active");
        assertThat(active.summary()).contains("mode=active");

        Map<String, String> shadow = minimal();
        shadow.put(Settings.MODE, " shadow ");
        assertThat(Settings.from(shadow).shadow()).isTrue();
        assertThat(Settings.from(shadow).mode()).isEqualTo("shadow");
        Map<String, String> explicit = minimal();
        explicit.put(Settings.MODE, "active");
        assertThat(Settings.from(explicit).shadow()).isFalse();

        for (String wrong : List.of("Shadow", "dry-run", "passive", "true")) {
            Map<String, String> bad = minimal();
            bad.put(Settings.MODE, wrong);
            assertThatThrownBy(() -> Settings.from(bad)).isInstanceOf(InvalidSettingsException.class)
                    .hasMessageContaining("MODE: must be 'active' or 'shadow', not '" + wrong + "'");
        }
        assertThat(Settings.ALL).contains(Settings.MODE);
    }

    @Test
    void snapshotSettingsAreOptionalHereRequiredByTheSnapshotFunctionAndChecked() {
        Settings s = Settings.from(minimal());
        assertThat(s.snapshotBucket()).isEmpty();
        assertThat(s.snapshotKmsKeyId()).isEmpty();
        assertThat(s.snapshotPartBytes()).isEqualTo(dev.raftlifecycle.contract.Defaults.SNAPSHOT_PART_BYTES);
        assertThat(s.snapshotPrefix()).isEqualTo("snapshots/prod-vault/");
        assertThatThrownBy(s::requireSnapshotBucket).hasMessageContaining("SNAPSHOT_BUCKET: is required");

        Map<String, String> set = minimal();
        set.put(Settings.SNAPSHOT_BUCKET, "prod-vault-snapshots");
        set.put(Settings.SNAPSHOT_KMS_KEY_ID, "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab");
        set.put(Settings.SNAPSHOT_PART_BYTES, Integer.toString(16 * 1024 * 1024));
        Settings given = Settings.from(set);
        assertThat(given.requireSnapshotBucket()).isEqualTo("prod-vault-snapshots");
        assertThat(given.snapshotPartBytes()).isEqualTo(16 * 1024 * 1024);

        Map<String, String> bad = minimal();
        bad.put(Settings.SNAPSHOT_BUCKET, "Not_A_Bucket");
        bad.put(Settings.SNAPSHOT_KMS_KEY_ID, "key with spaces");
        bad.put(Settings.SNAPSHOT_PART_BYTES, "1024");
        assertThatThrownBy(() -> Settings.from(bad)).hasMessageContaining("SNAPSHOT_BUCKET: is not an S3 bucket name")
                .hasMessageContaining("SNAPSHOT_KMS_KEY_ID: is not a KMS key")
                .hasMessageContaining("SNAPSHOT_PART_BYTES: must be between 5242880 and 67108864");
    }

    @Test
    void minimalConfigurationGetsDocumentedDefaults() {
        Settings s = Settings.from(minimal());
        assertThat(s.groupNames()).containsExactly("prod-a", "prod-b", "prod-c");
        assertThat(s.vaultPort()).isEqualTo(8200);
        assertThat(s.authMount()).isEqualTo("aws");
        assertThat(s.authRole()).isEmpty();
        assertThat(s.metricsNamespace()).isEqualTo("RaftLifecycle");
        assertThat(s.launchMaxWait()).isEqualTo(Duration.ofMinutes(10));
        assertThat(s.staleGrace()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.reconcileRemoves()).isTrue();
        assertThat(s.tlsServerName()).isEmpty();
        assertThat(s.lockTable()).isEmpty();
        assertThat(s.ownsGroup("prod-b")).isTrue();
        assertThat(s.ownsGroup("prod-d")).isFalse();
    }

    @Test
    void consulGetsConsulDefaultsAndVaultStaysTheDefault() {
        assertThat(Settings.from(minimal()).system()).isEqualTo(dev.raftlifecycle.contract.ClusterSystem.VAULT);
        Map<String, String> env = minimal();
        env.put(Settings.SYSTEM, "consul");
        Settings s = Settings.from(env);
        assertThat(s.system()).isEqualTo(dev.raftlifecycle.contract.ClusterSystem.CONSUL);
        assertThat(s.vaultPort()).isEqualTo(8501);
        assertThat(s.authMount()).isEqualTo("raft-lifecycle-aws-iam");
        assertThat(s.stepDownQuiet()).isEqualTo(Duration.ZERO);
        assertThat(s.metricsNamespace()).isEqualTo("RaftLifecycle/Consul");
        assertThat(s.summary()).startsWith("system=consul ");
    }

    @Test
    void anUnknownSystemAndTheVaultOnlyCanaryWithConsulAreRefusedByName() {
        Map<String, String> env = minimal();
        env.put(Settings.SYSTEM, "Consul");
        assertThatThrownBy(() -> Settings.from(env)).isInstanceOf(InvalidSettingsException.class)
                .hasMessageContaining("SYSTEM: must be 'vault' or 'consul', not 'Consul'");
        env.put(Settings.SYSTEM, "consul");
        env.put(Settings.CANARY_ADDRESS, "https://lb.example.internal:8501");
        assertThatThrownBy(() -> Settings.from(env)).isInstanceOf(InvalidSettingsException.class)
                .hasMessageContaining("CANARY_ADDRESS: the canary reads and writes Vault KV paths");
    }

    @Test
    void everyMissingRequiredVariableIsNamedInOneMessage() {
        assertThatThrownBy(() -> Settings.from(Map.of()))
                .isInstanceOf(InvalidSettingsException.class)
                .hasMessageContaining("CLUSTER_NAME: is required")
                .hasMessageContaining("ASG_NAMES: is required")
                .hasMessageContaining("VAULT_IAM_SERVER_ID: is required")
                .hasMessageContaining("VAULT_CA_PEM: is required")
                .hasMessageContaining("AWS_REGION: is required");
    }

    @Test
    void invalidValuesAreNamedWithWhatWasGiven() {
        Map<String, String> env = minimal();
        env.put(Settings.VAULT_PORT, "eighty");
        env.put(Settings.LAUNCH_MAX_WAIT_SECONDS, "1");
        env.put(Settings.NON_VOTERS, "maybe");
        env.put(Settings.RECONCILE_MODE, "delete-everything");
        env.put(Settings.AWS_ENDPOINT_URL, "not a url");
        env.put(Settings.VAULT_TLS_SERVER_NAME, "bad name!");
        assertThatThrownBy(() -> Settings.from(env))
                .isInstanceOf(InvalidSettingsException.class)
                .satisfies(e -> assertThat(((InvalidSettingsException) e).problems()).hasSize(6))
                .hasMessageContaining("VAULT_PORT: must be a whole number, not 'eighty'")
                .hasMessageContaining("LAUNCH_MAX_WAIT_SECONDS: must be between 5 and 7200, not 1")
                .hasMessageContaining("NON_VOTERS: must be true or false, not 'maybe'")
                .hasMessageContaining("RECONCILE_MODE: must be 'remove' or 'report'")
                .hasMessageContaining("AWS_ENDPOINT_URL: must be an absolute URL")
                .hasMessageContaining("VAULT_TLS_SERVER_NAME: is not a DNS name");
    }

    @Test
    void theCaCannotBeMissingNorGivenTwiceNorBeSomethingElse() {
        Map<String, String> both = minimal();
        both.put(Settings.VAULT_CA_FILE, "/etc/vault/ca.pem");
        assertThatThrownBy(() -> Settings.from(both)).hasMessageContaining("not both");

        Map<String, String> junk = minimal();
        junk.put(Settings.VAULT_CA_PEM, "hello");
        assertThatThrownBy(() -> Settings.from(junk)).hasMessageContaining("VAULT_CA_PEM: holds no PEM certificate");

        Map<String, String> missingFile = minimal();
        missingFile.remove(Settings.VAULT_CA_PEM);
        missingFile.put(Settings.VAULT_CA_FILE, "/nonexistent/ca.pem");
        assertThatThrownBy(() -> Settings.from(missingFile)).hasMessageContaining("VAULT_CA_FILE: cannot read /nonexistent/ca.pem");
    }

    @Test
    void escapedNewlinesInAnInlinePemAreAccepted() {
        Map<String, String> env = minimal();
        env.put(Settings.VAULT_CA_PEM, CA.replace("\n", "\\n"));
        assertThat(Settings.from(env).caPem()).isEqualTo(CA);
    }

    @Test
    void aHandlerThatMutatesRequiresTheLockTable() {
        Settings s = Settings.from(minimal());
        assertThatThrownBy(s::requireLockTable).hasMessageContaining("LOCK_TABLE: is required");
    }

    @Test
    void groupListWithOnlyCommasIsRejected() {
        Map<String, String> env = minimal();
        env.put(Settings.ASG_NAMES, " , ,");
        assertThatThrownBy(() -> Settings.from(env)).hasMessageContaining("ASG_NAMES: lists no group");
    }

    @Test
    void theCanaryIsOffByDefaultAndItsAddressMustBeHttpsHostAndPort() {
        Settings off = Settings.from(minimal());
        assertThat(off.canaryAddress()).isEmpty();
        assertThat(off.canaryTimeout()).hasMillis(dev.raftlifecycle.contract.Defaults.CANARY_TIMEOUT_MS);

        Map<String, String> on = minimal();
        on.put(Settings.CANARY_ADDRESS, "https://vault-nlb.elb.eu-west-1.amazonaws.com:8200");
        Settings s = Settings.from(on);
        assertThat(s.canaryAddress()).get().extracting(java.net.URI::getPort).isEqualTo(8200);

        for (String bad : List.of("http://vault:8200", "https://vault", "https://vault:8200/v1/secret", "vault:8200",
                "https://user@vault:8200", "https://vault:8200?x=1")) {
            Map<String, String> env = minimal();
            env.put(Settings.CANARY_ADDRESS, bad);
            assertThatThrownBy(() -> Settings.from(env)).as(bad).isInstanceOf(InvalidSettingsException.class)
                    .hasMessageContaining("CANARY_ADDRESS");
        }
        Map<String, String> slow = minimal();
        slow.put(Settings.CANARY_TIMEOUT_MS, "60000");
        assertThatThrownBy(() -> Settings.from(slow)).hasMessageContaining("CANARY_TIMEOUT_MS: must be between 100 and 10000");
    }

    @Test
    void summaryNeverShowsTheCa() {
        assertThat(Settings.from(minimal()).summary()).doesNotContain("BEGIN CERTIFICATE").contains("prod-vault");
    }
}
