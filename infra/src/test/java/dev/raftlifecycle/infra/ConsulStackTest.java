package dev.raftlifecycle.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.contract.ClusterSystem;
import dev.raftlifecycle.contract.ConsulAccess;
import dev.raftlifecycle.contract.ConsulPorts;
import dev.raftlifecycle.contract.LifecycleEvents;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.contract.TargetHealth;
import dev.raftlifecycle.infra.TestStacks.Scenario;
import dev.raftlifecycle.infra.TestStacks.Synthesized;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * `cdk deploy -c system=consul`: the same groups, hooks, retention policy, Lambdas and alarms as for Vault, with
 * Consul's ports, health check, secrets and first-boot variables, and nothing of Vault's seal or canary.
 */
class ConsulStackTest {

    private final Synthesized synth = TestStacks.get(Scenario.CONSUL);
    private final JsonNode template = synth.json();

    @Test
    void defaultsNameAConsulClusterAndItsCertificateName() {
        ClusterConfig config = synth.config();
        assertThat(config.system()).isEqualTo(ClusterSystem.CONSUL);
        assertThat(config.clusterName()).isEqualTo("consul");
        assertThat(config.stackName()).isEqualTo("RaftLifecycle-consul");
        assertThat(config.datacenter()).isEqualTo("consul");
        assertThat(config.tlsServerName()).isEqualTo("server.consul.consul");
        assertThat(config.iamServerId()).isEqualTo("server.consul.consul");
        assertThat(config.gossipKeySecret()).isEqualTo("raft-lifecycle/consul/gossip");
        assertThat(config.metricsNamespace()).isEqualTo(MetricName.CONSUL_NAMESPACE);
        assertThat(config.serverVersion()).isEqualTo(ClusterConfig.DEFAULT_CONSUL_VERSION);
    }

    @Test
    void noUnsealKeyAndNoKmsUseByTheServersOrTheLambdas() {
        assertThat(synth.stack().unsealKeyIfAny()).isEmpty();
        // The only keys are the alarm topic's (the stack creates the topic), the server logs' and the snapshots'.
        Map<String, JsonNode> keys = Cfn.resources(template, "AWS::KMS::Key");
        List<String> descriptions = new ArrayList<>();
        keys.values().forEach(k -> descriptions.add(k.path("Properties").path("Description").asText()));
        assertThat(descriptions).hasSize(3).anyMatch(d -> d.contains("alarm topic"))
                .anyMatch(d -> d.contains("audit and journal logs")).anyMatch(d -> d.contains("Consul Raft snapshots"));
        List<String> roles = new ArrayList<>(List.of(Cfn.logicalId(synth.stack(), synth.stack().servers().role())));
        synth.stack().automation().handlers().forEach(h -> roles.add(Cfn.logicalId(synth.stack(), h.role())));
        for (String role : roles) {
            assertThat(Cfn.actions(Cfn.identityStatements(template, role))).as(role)
                    .noneMatch(a -> a.startsWith("kms:"))
                    .doesNotContain("iam:GetRole");
        }
        assertThat(template.path("Outputs").has("UnsealKeyArn")).isFalse();
        assertThat(template.path("Outputs").has("ConfigureVaultCommand")).isFalse();
    }

    @Test
    void serversReadExactlyTheirThreeSecretsAndDecryptOnlyThroughSecretsManager() {
        Synthesized withKeys = TestStacks.get(Scenario.CONSUL_EXISTING_VPC);
        List<JsonNode> statements = Cfn.identityStatements(withKeys.json(),
                Cfn.logicalId(withKeys.stack(), withKeys.stack().servers().role()));
        List<String> secretResources = new ArrayList<>();
        Cfn.allowing(statements, "secretsmanager:GetSecretValue")
                .forEach(s -> Cfn.strings(s.path("Resource")).forEach(secretResources::add));
        // The two the operator created, and the initial management token the stack generated.
        assertThat(secretResources).containsExactlyInAnyOrder(
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:consul/eu-prod/tls-AbCdEf",
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:consul/eu-prod/gossip-GhIjKl",
                "{\"Ref\":\"" + Cfn.logicalId(withKeys.stack(), withKeys.stack().servers().consulManagementToken()
                        .orElseThrow()) + "\"}");
        List<JsonNode> decrypt = Cfn.allowing(statements, "kms:Decrypt");
        assertThat(decrypt).hasSize(2);
        Set<String> keys = new HashSet<>();
        for (JsonNode s : decrypt) {
            assertThat(Cfn.strings(s.path("Action"))).containsExactly("kms:Decrypt");
            assertThat(Cfn.flatten(s.path("Condition").path("StringEquals").path("kms:ViaService")))
                    .isEqualTo("secretsmanager.${Ref:AWS::Region}.amazonaws.com");
            keys.addAll(Cfn.strings(s.path("Resource")));
        }
        assertThat(keys).containsExactlyInAnyOrder(
                "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555",
                "arn:aws:kms:eu-west-1:123456789012:key/66666666-7777-8888-9999-000000000000");
        // By name (the default): the secret's ARN with Secrets Manager's random suffix, nothing wider.
        List<String> byName = new ArrayList<>();
        Cfn.allowing(Cfn.identityStatements(template, Cfn.logicalId(synth.stack(), synth.stack().servers().role())),
                "secretsmanager:GetSecretValue").forEach(s -> {
                    JsonNode resource = s.path("Resource");
                    if (resource.isArray()) {
                        resource.forEach(r -> byName.add(Cfn.flatten(r)));
                    } else {
                        byName.add(Cfn.flatten(resource));
                    }
                });
        String token = "${Ref:" + Cfn.logicalId(synth.stack(), synth.stack().servers().consulManagementToken()
                .orElseThrow()) + "}";
        assertThat(byName).hasSize(3).allMatch(r -> r.endsWith(":secret:raft-lifecycle/consul/tls-??????")
                || r.endsWith(":secret:raft-lifecycle/consul/gossip-??????") || r.equals(token));
    }

    @Test
    void securityGroupsOpenConsulsPortsOnly() {
        String servers = Cfn.logicalId(synth.stack(), synth.stack().servers().securityGroup());
        List<String> ingress = new ArrayList<>();
        JsonNode group = Cfn.resource(template, servers).path("Properties");
        group.path("SecurityGroupIngress").forEach(rule -> ingress.add(rule.path("IpProtocol").asText() + "/"
                + rule.path("FromPort").asInt() + "/" + rule.path("CidrIp").asText("sg")));
        Cfn.resources(template, "AWS::EC2::SecurityGroupIngress").values().forEach(rule -> {
            JsonNode p = rule.path("Properties");
            if (Cfn.flatten(p.path("GroupId")).contains(servers)) {
                ingress.add(p.path("IpProtocol").asText() + "/" + p.path("FromPort").asInt() + "/"
                        + (p.has("CidrIp") ? p.path("CidrIp").asText() : "sg"));
            }
        });
        assertThat(ingress).contains(
                "tcp/" + ConsulPorts.HTTPS + "/10.64.0.0/16",
                "tcp/" + ConsulPorts.SERVER_RPC + "/sg",
                "tcp/" + ConsulPorts.SERF_LAN + "/sg",
                "udp/" + ConsulPorts.SERF_LAN + "/sg");
        assertThat(ingress).noneMatch(r -> r.contains("/8200/") || r.contains("/8201/"))
                .noneMatch(r -> r.endsWith("/0.0.0.0/0"));
        // Gossip and RPC are never open to client ranges.
        assertThat(ingress).filteredOn(r -> !r.endsWith("/sg"))
                .allMatch(r -> r.startsWith("tcp/" + ConsulPorts.HTTPS + "/"));
    }

    @Test
    void loadBalancerPassesHttpsThroughAndChecksStatusLeader() {
        JsonNode targetGroup = Cfn.resources(template, "AWS::ElasticLoadBalancingV2::TargetGroup").values()
                .iterator().next().path("Properties");
        assertThat(targetGroup.path("Port").asInt()).isEqualTo(ConsulPorts.HTTPS);
        assertThat(targetGroup.path("Protocol").asText()).isEqualTo("TCP");
        assertThat(targetGroup.path("HealthCheckProtocol").asText()).isEqualTo("HTTPS");
        assertThat(targetGroup.path("HealthCheckPath").asText()).isEqualTo(TargetHealth.CONSUL_PATH);
        assertThat(targetGroup.path("HealthCheckPort").asText()).isEqualTo(String.valueOf(ConsulPorts.HTTPS));
        JsonNode listener = Cfn.resources(template, "AWS::ElasticLoadBalancingV2::Listener").values().iterator().next()
                .path("Properties");
        assertThat(listener.path("Port").asInt()).isEqualTo(ConsulPorts.HTTPS);
        assertThat(template.path("Outputs").path("ConsulAddress").path("Value").toString()).contains(":8501");
    }

    @Test
    void theSameThreeGroupsHooksAndRetentionAsForVault() {
        Map<String, JsonNode> groups = Cfn.resources(template, "AWS::AutoScaling::AutoScalingGroup");
        assertThat(groups).hasSize(3);
        List<String> names = new ArrayList<>();
        for (JsonNode group : groups.values()) {
            JsonNode p = group.path("Properties");
            names.add(p.path("AutoScalingGroupName").asText());
            assertThat(p.path("VPCZoneIdentifier")).hasSize(1);
            assertThat(p.path("InstanceLifecyclePolicy").path("RetentionTriggers").path("TerminateHookAbandon").asText())
                    .isEqualTo("retain");
            List<String> hooks = new ArrayList<>();
            p.path("LifecycleHookSpecificationList").forEach(h -> {
                hooks.add(h.path("LifecycleTransition").asText());
                assertThat(h.path("DefaultResult").asText()).isEqualTo("ABANDON");
            });
            assertThat(hooks).containsExactlyInAnyOrder(LifecycleEvents.LAUNCHING_TRANSITION,
                    LifecycleEvents.TERMINATING_TRANSITION);
        }
        assertThat(names).containsExactlyInAnyOrder("consul-servers-1", "consul-servers-2", "consul-servers-3");
        assertThat(Cfn.resources(template, "AWS::Lambda::Function").values()).filteredOn(f -> f.path("Properties")
                .path("Handler").asText().startsWith("dev.raftlifecycle.handlers.")).hasSize(6);
    }

    @Test
    void lambdasAreWiredForConsulAndTheirEnvironmentIsAcceptedBySettings() {
        for (Synthesized s : List.of(synth, TestStacks.get(Scenario.CONSUL_EXISTING_VPC))) {
            for (LifecycleAutomation.Handler handler : s.stack().automation().handlers()) {
                Map<String, String> env = new HashMap<>();
                Cfn.resource(s.json(), Cfn.logicalId(s.stack(), handler.function())).path("Properties")
                        .path("Environment").path("Variables").properties().forEach(e -> env.put(e.getKey(),
                                e.getValue().isTextual() ? e.getValue().asText() : Cfn.flatten(e.getValue())
                                        .replace("${Ref:AWS::AccountId}", "123456789012")
                                        .replaceAll("\\$\\{[^}]*}", "raft-lifecycle-lock-table")));
                String id = handler.function().getNode().getId();
                assertThat(env).as(id)
                        .containsEntry(Settings.SYSTEM, "consul")
                        .containsEntry(Settings.VAULT_PORT, String.valueOf(ConsulPorts.HTTPS))
                        .containsEntry(Settings.VAULT_AUTH_MOUNT, ConsulAccess.AUTH_METHOD)
                        .containsEntry(Settings.METRICS_NAMESPACE, MetricName.CONSUL_NAMESPACE)
                        .containsEntry(Settings.EXPECTED_VAULT_VERSION, ClusterConfig.DEFAULT_CONSUL_VERSION)
                        .containsEntry(Settings.VAULT_TLS_SERVER_NAME, s.config().tlsServerName())
                        .doesNotContainKeys(Settings.VAULT_AUTH_ROLE, Settings.CANARY_ADDRESS);
                env.put(Settings.AWS_REGION, "eu-west-1");
                Settings settings = Settings.from(env);
                assertThat(settings.system()).isEqualTo(ClusterSystem.CONSUL);
                assertThat(settings.metricsNamespace()).isEqualTo(MetricName.CONSUL_NAMESPACE);
            }
        }
    }

    @Test
    void alarmsKeepTheirRunbookSectionsWithoutSealOrCanary() {
        List<String> alarmNames = new ArrayList<>();
        Cfn.resources(template, "AWS::CloudWatch::Alarm").values().forEach(a -> {
            JsonNode p = a.path("Properties");
            alarmNames.add(p.path("AlarmName").asText());
            assertThat(p.path("AlarmDescription").asText()).contains("Runbook: RUNBOOK.md#");
            if (p.has("Namespace") && !p.path("Namespace").asText().startsWith("AWS/")) {
                assertThat(p.path("Namespace").asText()).isEqualTo(MetricName.CONSUL_NAMESPACE);
            }
        });
        assertThat(alarmNames).contains("consul-no-leader", "consul-failure-tolerance", "consul-stale-peers",
                "consul-missing-peers", "consul-autopilot-unhealthy", "consul-publisher-not-reporting",
                "consul-lifecycle-abandon", "consul-leader-changes", "consul-terminating-handler-errors");
        assertThat(alarmNames).doesNotContain("consul-sealed-nodes").noneMatch(n -> n.contains("-slo-"));
        assertThat(Cfn.resources(template, "AWS::CloudWatch::CompositeAlarm")).isEmpty();
        String dashboard = Cfn.flatten(Cfn.resources(template, "AWS::CloudWatch::Dashboard").values().iterator().next()
                .path("Properties").path("DashboardBody"));
        assertThat(dashboard).contains("Consul server cluster").contains(MetricName.CONSUL_NAMESPACE)
                .doesNotContain("Canary").doesNotContain("\"" + MetricName.DEFAULT_NAMESPACE + "\"");
    }

    @Test
    void userDataWritesConsulFirstBootVariablesAndNoSecret() throws Exception {
        String userData = Cfn.flatten(Cfn.resources(template, "AWS::EC2::LaunchTemplate").values().iterator().next()
                .path("Properties").path("LaunchTemplateData").path("UserData"));
        String json = userData.substring(userData.indexOf("<<'RAFT_LIFECYCLE_FIRSTBOOT'\n") + 29,
                userData.indexOf("\nRAFT_LIFECYCLE_FIRSTBOOT\n"));
        JsonNode vars = new ObjectMapper().readTree(json);
        assertThat(vars.path(ServerGroups.FIRST_BOOT_SYSTEM_VARIABLE).asText()).isEqualTo("consul");
        assertThat(vars.path("consul_node_datacenter").asText()).isEqualTo("consul");
        assertThat(vars.path("consul_node_bootstrap_expect").asInt()).isEqualTo(3);
        assertThat(vars.path("consul_node_tls_secret_id").asText()).isEqualTo("raft-lifecycle/consul/tls");
        assertThat(vars.path("consul_node_gossip_key_secret_id").asText()).isEqualTo("raft-lifecycle/consul/gossip");
        assertThat(vars.path("consul_node_retry_join_tag_key").asText()).isEqualTo(ServerGroups.AUTO_JOIN_TAG_KEY);
        assertThat(vars.path("consul_node_retry_join_tag_value").asText()).isEqualTo("consul");
        assertThat(vars.path("consul_node_agent_auth_method").asText()).isEqualTo(ConsulAccess.AGENT_AUTH_METHOD);
        assertThat(vars.path("consul_node_iam_server_id").asText()).isEqualTo("server.consul.consul");
        assertThat(vars.path("consul_node_https_port").asInt()).isEqualTo(ConsulPorts.HTTPS);
        assertThat(vars.has("consul_node_retry_join_endpoint")).as("production joins the regional EC2 API").isFalse();
        assertThat(vars.fieldNames()).toIterable().noneMatch(f -> f.startsWith("vault_node_"));

        // Every variable is one the consul_node role declares (or the playbook's role switch), the example file's
        // variables are all set, and the README documents each.
        String roleDefaults = Files.readString(
                TestStacks.repoRoot().resolve("ansible/roles/consul_node/defaults/main.yml"));
        vars.fieldNames().forEachRemaining(field -> {
            if (!field.equals(ServerGroups.FIRST_BOOT_SYSTEM_VARIABLE)) {
                assertThat(roleDefaults).as(field).containsPattern("(?m)^" + field + ":");
            }
        });
        new ObjectMapper().readTree(TestStacks.repoRoot().resolve("ansible/firstboot.consul.example.json").toFile())
                .fieldNames().forEachRemaining(field -> assertThat(vars.has(field)).as(field).isTrue());
        String readme = Files.readString(TestStacks.infraDir().resolve("README.md"));
        vars.fieldNames().forEachRemaining(field -> assertThat(readme).contains("`" + field + "`"));

        // The secrets are referenced by name only: no key material anywhere in the template, user data included.
        assertThat(template.toString()).doesNotContain("PRIVATE KEY").doesNotContain("encrypt =");
        assertThat(userData).doesNotContainPattern("[A-Za-z0-9+/]{22,43}={1,2}");
    }
}
