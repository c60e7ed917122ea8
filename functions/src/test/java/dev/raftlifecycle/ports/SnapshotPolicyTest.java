package dev.raftlifecycle.ports;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.contract.ConsulAccess;
import dev.raftlifecycle.contract.VaultAccess;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The snapshot function's Vault policy and Consul rules grant the snapshot and nothing else; the script uses them. */
class SnapshotPolicyTest {
    @Test
    void theVaultPolicyReadsTheSnapshotPathOnly() throws Exception {
        String policy;
        try (InputStream in = getClass().getResourceAsStream("/" + VaultAccess.SNAPSHOT_POLICY_RESOURCE)) {
            assertThat(in).isNotNull();
            policy = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(policy.lines().filter(l -> l.startsWith("path ")).toList())
                .containsExactly("path \"sys/storage/raft/snapshot\" {");
        assertThat(policy).contains("capabilities = [\"read\"]")
                .doesNotContain("update", "create", "sudo", "delete", "list", "*", "snapshot-force");
    }

    @Test
    void configureVaultWritesItAndBindsTheContractsRole() throws Exception {
        String script = Files.readString(Path.of("..", "scripts", "configure-vault"));
        assertThat(script).contains("snapshot_role=\"" + VaultAccess.SNAPSHOT_ROLE + "\"",
                "snapshot_policy=\"" + VaultAccess.SNAPSHOT_POLICY + "\"",
                "$policy_dir/" + Path.of(VaultAccess.SNAPSHOT_POLICY_RESOURCE).getFileName(),
                "--snapshot-role-arn");
    }

    @Test
    void theConsulRulesAreAclWriteOnly() {
        assertThat(ConsulAccess.SNAPSHOT_RULES.strip()).isEqualTo("acl = \"write\"");
    }
}
