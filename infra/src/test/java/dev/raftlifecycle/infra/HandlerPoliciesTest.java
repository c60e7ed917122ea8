package dev.raftlifecycle.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build-time export of the handlers' policies (infra's package phase) runs inside {@code cdk deploy}: bin/cdk-app
 * builds before it runs the app, with the CLI's context in the environment ({@code CDK_CONTEXT_JSON}), which every
 * CDK App reads. The export is of cdk.json's stack whatever the deploy is for: an adoption's context must not fail
 * the build that deploys it.
 */
class HandlerPoliciesTest {

    @TempDir
    Path dir;

    @Test
    void theExportIsOfCdkJsonsStackWhateverContextTheCliPassesToTheBuild() throws Exception {
        Map<String, Object> cli = new java.util.HashMap<>(TestStacks.cdkJsonContext());
        cli.putAll(Map.of(
                ClusterConfig.ADOPT, "tf-vault-a,tf-vault-b",
                ClusterConfig.CLUSTER_NAME, "prod-vault",
                ClusterConfig.TLS_SERVER_NAME, "vault.prod.example.internal",
                ClusterConfig.VPC_ID, "vpc-0123456789abcdef0",
                ClusterConfig.PRIVATE_SUBNET_IDS, "subnet-0aaaaaaaaaaaaaaa1",
                ClusterConfig.SERVER_SECURITY_GROUP_ID, TestStacks.SERVER_SG,
                ClusterConfig.CA_CERTIFICATE_FILE, TestStacks.testCa().toString(),
                ClusterConfig.SHADOW, "true"));
        Path out = dir.resolve("handler-policies.json");
        ProcessBuilder java = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), HandlerPolicies.class.getName(),
                TestStacks.infraDir().toString(), TestStacks.functionsJar().toString(), out.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("export.log").toFile());
        java.environment().put("CDK_CONTEXT_JSON", new ObjectMapper().writeValueAsString(cli));
        Process process = java.start();
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("the export finished").isTrue();
        String log = Files.readString(dir.resolve("export.log"), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("the export under an adoption's deploy:\n" + log).isZero();
        JsonNode exported = new ObjectMapper().readTree(out.toFile());
        // cdk.json's cluster: its groups, not the adopted ones, in the operator policy the rig binds.
        List<String> resources = new java.util.ArrayList<>();
        exported.path("operator").forEach(s -> s.path("Resource").forEach(r -> resources.add(r.asText())));
        assertThat(resources).anyMatch(r -> r.endsWith("autoScalingGroupName/{group}"))
                .noneMatch(r -> r.contains("tf-vault-a"));
        assertThat(exported.path("handlers").has("terminating")).isTrue();
    }
}
