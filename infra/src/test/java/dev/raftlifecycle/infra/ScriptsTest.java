package dev.raftlifecycle.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shell entry points this module owns: they parse, and scripts/rolling-upgrade stays a thin wrapper of the Java
 * command in the operator jar (its behaviour is tested in functions: RollStepCasesTest, RollSimulationTest; and in
 * operator: RollCommandTest).
 */
class ScriptsTest {

    private static Path script() {
        return TestStacks.repoRoot().resolve("scripts/rolling-upgrade");
    }

    @Test
    void rollingUpgradeOnlyRunsTheJavaCommand() throws Exception {
        String script = Files.readString(script());
        assertThat(script).contains("exec \"$JAVA_HOME/bin/java\" -cp \"$jar\" dev.raftlifecycle.roll.RollCommand \"$@\"");
        // The operator's jar (its own credentials modules), not the Lambda jar.
        assertThat(script).contains("jar=\"$REPO_ROOT/operator/target/raft-lifecycle-operator.jar\"")
                .contains("-pl operator -am package").doesNotContain("raft-lifecycle-functions.jar");
        // No logic of its own: no AWS CLI call, no loop.
        assertThat(script.lines().filter(l -> !l.startsWith("#")))
                .noneMatch(l -> l.matches(".*\\baws\\s.*"))
                .noneMatch(l -> l.matches("\\s*(while|for)\\s.*"));
    }

    @Test
    void configureVaultUsesTheContractsRolesPoliciesAndPolicyFiles() throws Exception {
        String script = Files.readString(TestStacks.repoRoot().resolve("scripts/configure-vault"));
        assertThat(script).contains("mutating_role=\"" + dev.raftlifecycle.contract.VaultAccess.MUTATING_ROLE + "\"",
                "mutating_policy=\"" + dev.raftlifecycle.contract.VaultAccess.MUTATING_POLICY + "\"",
                "read_role=\"" + dev.raftlifecycle.contract.VaultAccess.READ_ROLE + "\"",
                "read_policy=\"" + dev.raftlifecycle.contract.VaultAccess.READ_POLICY + "\"",
                "publisher_role=\"" + dev.raftlifecycle.contract.VaultAccess.PUBLISHER_ROLE + "\"",
                "canary_policy=\"" + dev.raftlifecycle.contract.VaultAccess.CANARY_POLICY + "\"",
                "canary_mount=\"" + dev.raftlifecycle.contract.VaultAccess.CANARY_MOUNT + "\"",
                "canary_read_path=\"" + dev.raftlifecycle.contract.VaultAccess.CANARY_READ_PATH + "\"",
                "canary_value_field=\"" + dev.raftlifecycle.contract.VaultAccess.CANARY_VALUE_FIELD + "\"",
                "canary_value=\"" + dev.raftlifecycle.contract.VaultAccess.CANARY_VALUE + "\"",
                "$policy_dir/" + Path.of(dev.raftlifecycle.contract.VaultAccess.CANARY_POLICY_RESOURCE).getFileName(),
                "$policy_dir/" + Path.of(dev.raftlifecycle.contract.VaultAccess.MUTATING_POLICY_RESOURCE).getFileName(),
                "$policy_dir/" + Path.of(dev.raftlifecycle.contract.VaultAccess.READ_POLICY_RESOURCE).getFileName());
        Path policies = TestStacks.repoRoot().resolve("functions/src/main/resources");
        assertThat(policies.resolve(dev.raftlifecycle.contract.VaultAccess.MUTATING_POLICY_RESOURCE)).isRegularFile();
        assertThat(Files.readString(policies.resolve(dev.raftlifecycle.contract.VaultAccess.READ_POLICY_RESOURCE)))
                .doesNotContain("remove-peer", "step-down", "update", "sudo");
        // The canary's policy: exactly its two paths, nothing under sys/.
        String canary = Files.readString(policies.resolve(dev.raftlifecycle.contract.VaultAccess.CANARY_POLICY_RESOURCE));
        assertThat(canary).contains("path \"" + dev.raftlifecycle.contract.VaultAccess.CANARY_READ_PATH + "\"",
                "path \"" + dev.raftlifecycle.contract.VaultAccess.CANARY_WRITE_PATH + "\"")
                .doesNotContain("sys/", "*", "delete", "sudo", "list");
        assertThat(canary.lines().filter(l -> l.startsWith("path ")).count()).isEqualTo(2);
    }

    @Test
    void shellEntryPointsParse() throws Exception {
        for (Path file : List.of(script(), TestStacks.infraDir().resolve("bin/cdk-app"),
                TestStacks.repoRoot().resolve("scripts/lib/tools-infra.sh"))) {
            Process process = new ProcessBuilder("bash", "-n", file.toString()).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor()).as(file + ": " + output).isZero();
        }
        assertThat(Files.isExecutable(script())).isTrue();
        assertThat(Files.isExecutable(TestStacks.infraDir().resolve("bin/cdk-app"))).isTrue();
    }

    @Test
    void cdkJsonRunsTheAppThroughItsLauncher() throws Exception {
        JsonNode cdkJson = new ObjectMapper().readTree(TestStacks.infraDir().resolve("cdk.json").toFile());
        assertThat(cdkJson.path("app").asText()).isEqualTo("bin/cdk-app");
        String launcher = Files.readString(TestStacks.infraDir().resolve("bin/cdk-app"));
        assertThat(launcher).contains(RaftLifecycleApp.class.getName()).contains("use_jdk").contains("use_maven");
    }
}
