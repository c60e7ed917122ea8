package dev.raftlifecycle.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.infra.TestStacks.Scenario;
import dev.raftlifecycle.infra.TestStacks.Synthesized;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;

/** The unseal key, the server role, launch template, the three groups, the load balancer and security groups. */
class ServerGroupsTest {

    private final Synthesized synth = TestStacks.get(Scenario.DEFAULT);
    private final JsonNode template = synth.json();
    private final String serverRole = Cfn.logicalId(synth.stack(), synth.stack().servers().role());

    @Test
    void inShadowModeAHookThatNoHandlerCompletesLetsTheGroupGoOnAsBefore() {
        // The main stack with shadow=true builds its hooks with this (the adopt stack's are checked in
        // AdoptedClusterStackTest): an unfinished launch is not refused, a terminating instance not kept.
        assertThat(ServerGroups.Hook.defaultResult(true)).isEqualTo("CONTINUE");
        assertThat(ServerGroups.Hook.defaultResult(false)).isEqualTo("ABANDON");
    }

    @Test
    void unsealKeyRotatesIsRetainedAndOnlyTheServerRoleMayUseIt() {
        Map<String, JsonNode> keys = Cfn.resources(template, "AWS::KMS::Key");
        JsonNode key = Cfn.resource(template, Cfn.logicalId(synth.stack(), synth.stack().unsealKey().key()));
        assertThat(keys).containsValue(key);
        assertThat(key.path("DeletionPolicy").asText()).isEqualTo("Retain");
        assertThat(key.path("UpdateReplacePolicy").asText()).isEqualTo("Retain");
        assertThat(key.path("Properties").path("EnableKeyRotation").asBoolean()).isTrue();

        JsonNode statements = key.path("Properties").path("KeyPolicy").path("Statement");
        // The account reads, the administrators administer, the servers use (HardeningTest: who is who).
        assertThat(statements).hasSize(3);
        List<String> usingPrincipals = new ArrayList<>();
        for (JsonNode statement : statements) {
            assertThat(statement.path("Effect").asText()).isEqualTo("Allow");
            List<String> actions = Cfn.strings(statement.path("Action"));
            String principal = Cfn.flatten(statement.path("Principal").path("AWS"));
            boolean grantsUse = actions.stream().anyMatch(a -> a.equals("kms:Decrypt") || a.equals("kms:Encrypt")
                    || a.equals("kms:*") || a.startsWith("kms:ReEncrypt") || a.startsWith("kms:GenerateDataKey"));
            if (grantsUse) {
                usingPrincipals.add(principal);
                assertThat(actions).containsExactlyInAnyOrderElementsOf(UnsealKey.SEAL_ACTIONS);
            } else {
                // Nobody else can encrypt or decrypt.
                // No wildcard that could reach a cryptographic action or CreateGrant (a grant would hand out use).
                assertThat(actions).noneMatch(a -> a.equals("kms:*") || a.startsWith("kms:Create") && !a.equals("kms:CreateAlias")
                        || a.equals("kms:Describe*") || a.startsWith("kms:Encrypt") || a.startsWith("kms:Decrypt")
                        || a.startsWith("kms:ReEncrypt") || a.startsWith("kms:Generate"));
                for (String forbidden : UnsealKey.NEVER_GRANTED) {
                    assertThat(actions).noneMatch(a -> a.endsWith("*")
                            && forbidden.startsWith(a.substring(0, a.length() - 1)));
                    assertThat(actions).doesNotContain(forbidden);
                }
            }
        }
        assertThat(usingPrincipals).containsExactly("${GetAtt:" + serverRole + ".Arn}");
    }

    @Test
    void serverRoleHasTheKeyAutoJoinTlsSecretAndAgentAndNothingMore() {
        List<JsonNode> statements = Cfn.identityStatements(template, serverRole);
        assertThat(Cfn.actions(statements)).containsExactlyInAnyOrder(
                "ec2:DescribeInstances",
                "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret",
                "cloudwatch:PutMetricData", "ec2:DescribeTags",
                "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents",
                "iam:GetRole");
        // The key is used through its key policy only: no kms action in the identity policy.
        assertThat(Cfn.actions(statements)).noneMatch(a -> a.startsWith("kms:"));

        JsonNode secretRead = Cfn.allowing(statements, "secretsmanager:GetSecretValue").get(0);
        assertThat(Cfn.flatten(secretRead.path("Resource"))).contains(":secret:raft-lifecycle/vault/tls-??????");

        JsonNode metrics = Cfn.allowing(statements, "cloudwatch:PutMetricData").get(0);
        assertThat(metrics.path("Condition").path("StringEquals").path("cloudwatch:namespace").asText())
                .isEqualTo(ServerGroups.NODE_METRICS_NAMESPACE);

        // iam:GetRole on exactly the handler roles and the snapshot function's (Vault's AWS auth resolves the bound
        // roles).
        JsonNode getRole = Cfn.allowing(statements, "iam:GetRole").get(0);
        Set<String> expected = new HashSet<>();
        for (LifecycleAutomation.Handler handler : synth.stack().automation().handlers()) {
            expected.add("${GetAtt:" + Cfn.logicalId(synth.stack(), handler.role()) + ".Arn}");
        }
        expected.add("${GetAtt:" + Cfn.logicalId(synth.stack(), synth.stack().snapshots().function().role()) + ".Arn}");
        Set<String> actual = new HashSet<>();
        getRole.path("Resource").forEach(r -> actual.add(Cfn.flatten(r)));
        assertThat(actual).isEqualTo(expected);
        assertThat(Cfn.strings(Cfn.allowing(statements, "ec2:DescribeInstances").get(0).path("Action")))
                .containsExactly("ec2:DescribeInstances");
    }

    @Test
    void theAgentNamespaceIsTheOneTheAmiConfigures() throws Exception {
        JsonNode agent = new ObjectMapper().readTree(
                TestStacks.repoRoot().resolve("ami/files/cloudwatch-agent.json").toFile());
        assertThat(agent.path("metrics").path("namespace").asText()).isEqualTo(ServerGroups.NODE_METRICS_NAMESPACE);
        // Which logs it ships goes with the first boot (the log groups' names are first-boot variables); the role may
        // write to the stack's server log groups only (HardeningTest).
    }

    @Test
    void aTlsSecretGivenByArnIsReadWithItsKey() {
        Synthesized enterprise = TestStacks.get(Scenario.EXISTING_VPC_ENTERPRISE);
        List<JsonNode> statements = Cfn.identityStatements(enterprise.json(),
                Cfn.logicalId(enterprise.stack(), enterprise.stack().servers().role()));
        List<String> secretResources = new ArrayList<>();
        for (JsonNode statement : Cfn.allowing(statements, "secretsmanager:GetSecretValue")) {
            JsonNode resources = statement.path("Resource");
            if (resources.isArray()) {
                resources.forEach(r -> secretResources.add(Cfn.flatten(r)));
            } else {
                secretResources.add(Cfn.flatten(resources));
            }
        }
        assertThat(secretResources).containsExactly(
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:vault/prod-eu/tls-AbCdEf");
        JsonNode decrypt = Cfn.allowing(statements, "kms:Decrypt").get(0);
        assertThat(decrypt.path("Resource").asText())
                .isEqualTo("arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555");
        assertThat(Cfn.flatten(decrypt.path("Condition").path("StringEquals").path("kms:ViaService")))
                .isEqualTo("secretsmanager.${Ref:AWS::Region}.amazonaws.com");
    }

    @Test
    void launchTemplateRequiresImdsV2WithOneHopAndEncryptedGp3() {
        JsonNode data = Cfn.resources(template, "AWS::EC2::LaunchTemplate").values().iterator().next()
                .path("Properties").path("LaunchTemplateData");
        assertThat(data.path("MetadataOptions").path("HttpTokens").asText()).isEqualTo("required");
        assertThat(data.path("MetadataOptions").path("HttpPutResponseHopLimit").asInt()).isEqualTo(1);
        assertThat(data.path("MetadataOptions").path("HttpEndpoint").asText()).isEqualTo("enabled");
        assertThat(data.path("BlockDeviceMappings")).isNotEmpty();
        for (JsonNode mapping : data.path("BlockDeviceMappings")) {
            assertThat(mapping.path("Ebs").path("Encrypted").asBoolean()).isTrue();
            assertThat(mapping.path("Ebs").path("VolumeType").asText()).isEqualTo("gp3");
        }
        assertThat(data.path("InstanceType").asText()).isEqualTo("m6i.large");
        assertThat(data.path("IamInstanceProfile").path("Arn").path("Fn::GetAtt")).isNotEmpty();
        // The default AMI comes from the SSM parameter, resolved by CloudFormation (no lookup at synth).
        String imageParameter = data.path("ImageId").path("Ref").asText();
        assertThat(template.path("Parameters").path(imageParameter).path("Type").asText())
                .isEqualTo("AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>");
        assertThat(template.path("Parameters").path(imageParameter).path("Default").asText())
                .isEqualTo(ClusterConfig.DEFAULT_AMI_SSM_PARAMETER);
    }

    @Test
    void userDataWritesTheFirstBootVariablesAndStartsTheUnit() throws Exception {
        JsonNode data = Cfn.resources(template, "AWS::EC2::LaunchTemplate").values().iterator().next()
                .path("Properties").path("LaunchTemplateData");
        String userData = Cfn.flatten(data.path("UserData"));
        assertThat(userData).startsWith("#!/bin/bash\n");
        assertThat(userData).contains("cat > " + ServerGroups.FIRST_BOOT_FILE + " <<'RAFT_LIFECYCLE_FIRSTBOOT'\n");
        assertThat(userData).endsWith("systemctl start --no-block " + ServerGroups.FIRST_BOOT_UNIT);
        String json = userData.substring(userData.indexOf("<<'RAFT_LIFECYCLE_FIRSTBOOT'\n") + 29,
                userData.indexOf("\nRAFT_LIFECYCLE_FIRSTBOOT\n"));
        assertThat(userData).contains("chmod 0640 " + ServerGroups.FIRST_BOOT_FILE);
        JsonNode vars = new ObjectMapper().readTree(json);
        assertThat(vars.path("vault_node_cluster_name").asText()).isEqualTo("vault");
        assertThat(vars.path("vault_node_region").asText()).isEqualTo("${Ref:AWS::Region}");
        assertThat(vars.path("vault_node_kms_key_id").asText())
                .isEqualTo("${GetAtt:" + Cfn.logicalId(synth.stack(), synth.stack().unsealKey().key()) + ".Arn}");
        assertThat(vars.path("vault_node_tls_secret_id").asText()).isEqualTo("raft-lifecycle/vault/tls");
        assertThat(vars.path("vault_node_tls_server_name").asText()).isEqualTo("vault.vault.internal");
        assertThat(vars.path("vault_node_auto_join_tag_key").asText()).isEqualTo(ServerGroups.AUTO_JOIN_TAG_KEY);
        assertThat(vars.path("vault_node_auto_join_tag_value").asText()).isEqualTo("vault");
        assertThat(vars.path("vault_node_enterprise").isBoolean()).isTrue();
        assertThat(vars.path("vault_node_enterprise").asBoolean()).isFalse();
        assertThat(vars.path("vault_node_api_port").asInt()).isEqualTo(8200);
        assertThat(vars.path("vault_node_cluster_port").asInt()).isEqualTo(8201);

        // Every variable is one the first-boot role declares (the playbook is the consumer), and its example
        // file's variables are all set.
        String roleDefaults = Files.readString(
                TestStacks.repoRoot().resolve("ansible/roles/vault_node/defaults/main.yml"));
        vars.fieldNames().forEachRemaining(field -> assertThat(roleDefaults).as(field)
                .containsPattern("(?m)^" + field + ":"));
        new ObjectMapper().readTree(TestStacks.repoRoot().resolve("ansible/firstboot.example.json").toFile())
                .fieldNames().forEachRemaining(field -> assertThat(vars.has(field)).as(field).isTrue());
        // The README documents every field.
        String readme = Files.readString(TestStacks.infraDir().resolve("README.md"));
        vars.fieldNames().forEachRemaining(field -> assertThat(readme).contains("`" + field + "`"));

        Synthesized enterprise = TestStacks.get(Scenario.EXISTING_VPC_ENTERPRISE);
        String enterpriseData = Cfn.flatten(Cfn.resources(enterprise.json(), "AWS::EC2::LaunchTemplate").values()
                .iterator().next().path("Properties").path("LaunchTemplateData").path("UserData"));
        assertThat(enterpriseData).contains("\"vault_node_enterprise\":true")
                .contains("\"vault_node_tls_secret_id\":"
                        + "\"arn:aws:secretsmanager:eu-west-1:123456789012:secret:vault/prod-eu/tls-AbCdEf\"");
    }

    @Test
    void threeGroupsEachPinnedToItsOwnZoneWithHooksRetentionAndEc2HealthChecksUntilThePublisherSwitchesThem() {
        Map<String, JsonNode> groups = Cfn.resources(template, "AWS::AutoScaling::AutoScalingGroup");
        assertThat(groups).hasSize(3);
        Set<String> subnets = new HashSet<>();
        List<String> names = new ArrayList<>();
        for (JsonNode group : groups.values()) {
            JsonNode p = group.path("Properties");
            names.add(p.path("AutoScalingGroupName").asText());
            assertThat(p.path("VPCZoneIdentifier")).hasSize(1);
            subnets.add(p.path("VPCZoneIdentifier").get(0).toString());
            assertThat(p.path("MinSize").asText()).isEqualTo("1");
            assertThat(p.path("MaxSize").asText()).isEqualTo("2");
            assertThat(p.has("DesiredCapacity")).isFalse();
            // elbHealthChecks is on by default, yet the groups start on EC2 checks: a first deploy's uninitialized
            // nodes fail the load balancer's check. The publisher switches them once the cluster is initialized.
            assertThat(p.path("HealthCheckType").asText()).isEqualTo("EC2");
            assertThat(p.path("HealthCheckGracePeriod").asInt()).isEqualTo(300);
            assertThat(p.path("InstanceLifecyclePolicy").path("RetentionTriggers").path("TerminateHookAbandon")
                    .asText()).isEqualTo("retain");
            assertThat(p.path("TargetGroupARNs")).hasSize(1);

            JsonNode hooks = p.path("LifecycleHookSpecificationList");
            assertThat(hooks).hasSize(2);
            for (JsonNode hook : hooks) {
                assertThat(hook.path("DefaultResult").asText()).isEqualTo("ABANDON");
                // At least twice the handlers' heartbeat interval.
                assertThat(hook.path("HeartbeatTimeout").asInt()).isGreaterThanOrEqualTo(2 * 60);
                switch (hook.path("LifecycleTransition").asText()) {
                    case "autoscaling:EC2_INSTANCE_LAUNCHING" -> {
                        assertThat(hook.path("LifecycleHookName").asText()).isEqualTo(ServerGroups.LAUNCH_HOOK_NAME);
                        assertThat(hook.path("HeartbeatTimeout").asInt()).isEqualTo(600);
                    }
                    case "autoscaling:EC2_INSTANCE_TERMINATING" -> {
                        assertThat(hook.path("LifecycleHookName").asText())
                                .isEqualTo(ServerGroups.TERMINATE_HOOK_NAME);
                        assertThat(hook.path("HeartbeatTimeout").asInt()).isEqualTo(300);
                    }
                    default -> throw new AssertionError("unexpected hook " + hook);
                }
            }
            Map<String, JsonNode> tags = new java.util.HashMap<>();
            p.path("Tags").forEach(t -> tags.put(t.path("Key").asText(), t));
            assertThat(tags.get(ServerGroups.AUTO_JOIN_TAG_KEY).path("Value").asText()).isEqualTo("vault");
            assertThat(tags.get(ServerGroups.AUTO_JOIN_TAG_KEY).path("PropagateAtLaunch").asBoolean()).isTrue();

            // Created after, and deleted before, the handlers that serve their lifecycle hooks.
            List<String> dependsOn = Cfn.strings(group.path("DependsOn"));
            for (LifecycleAutomation.Handler handler : synth.stack().automation().handlers()) {
                assertThat(dependsOn).contains(Cfn.logicalId(synth.stack(), handler.alias()),
                        Cfn.logicalId(synth.stack(), handler.function()));
            }
        }
        assertThat(names).containsExactlyInAnyOrder("vault-servers-1", "vault-servers-2", "vault-servers-3");
        assertThat(subnets).hasSize(3);
        // One private subnet per zone: the three subnets the groups use are in three different zones.
        Set<String> zones = new HashSet<>();
        for (JsonNode group : groups.values()) {
            String subnetId = group.path("Properties").path("VPCZoneIdentifier").get(0).path("Ref").asText();
            JsonNode subnet = Cfn.resource(template, subnetId).path("Properties");
            assertThat(subnet.path("MapPublicIpOnLaunch").asBoolean()).isFalse();
            zones.add(subnet.path("AvailabilityZone").toString());
        }
        assertThat(zones).hasSize(3);
    }

    @Test
    void aDecommissionIsADeploySettingOfEveryFunctionNeverATag() {
        for (Scenario scenario : List.of(Scenario.DEFAULT, Scenario.EVEN_VOTERS)) {
            Synthesized synthesized = TestStacks.get(scenario);
            for (JsonNode group : Cfn.resources(synthesized.json(), "AWS::AutoScaling::AutoScalingGroup").values()) {
                List<String> keys = new ArrayList<>();
                group.path("Properties").path("Tags").forEach(t -> keys.add(t.path("Key").asText()));
                assertThat(keys).noneMatch(k -> k.contains("decommission"));
            }
            for (JsonNode function : Cfn.resources(synthesized.json(), "AWS::Lambda::Function").values()) {
                JsonNode env = function.path("Properties").path("Environment").path("Variables");
                if (env.has(dev.raftlifecycle.config.Settings.CLUSTER_NAME)) {
                    assertThat(env.path(dev.raftlifecycle.config.Settings.DECOMMISSION).asText())
                            .isEqualTo(String.valueOf(scenario == Scenario.EVEN_VOTERS));
                }
            }
        }
    }

    @Test
    void existingVpcGroupsUseTheGivenSubnetsInZoneOrder() {
        Synthesized existing = TestStacks.get(Scenario.EXISTING_VPC_ENTERPRISE);
        existing.template().resourceCountIs("AWS::EC2::VPC", 0);
        existing.template().resourceCountIs("AWS::EC2::NatGateway", 0);
        for (int i = 1; i <= 3; i++) {
            String subnet = existing.config().existingVpc().orElseThrow().privateSubnetIds().get(i - 1);
            existing.template().hasResourceProperties("AWS::AutoScaling::AutoScalingGroup", Map.of(
                    "AutoScalingGroupName", "prod-eu-servers-" + i,
                    "VPCZoneIdentifier", List.of(subnet),
                    "MinSize", "2",
                    "MaxSize", "4"));
        }
        existing.template().hasResourceProperties("AWS::EC2::LaunchTemplate", Map.of("LaunchTemplateData",
                Match.objectLike(Map.of("ImageId", "ami-0123456789abcdef0"))));
    }

    @Test
    void elbHealthChecksAreADeployOfTheGroupsNeverAFunctionsRight() {
        // Off by default (a first deploy's uninitialized nodes would be replaced in a loop); on once the operator
        // deploys with elbHealthChecks=true. No function may update a group either way.
        for (JsonNode group : Cfn.resources(TestStacks.get(Scenario.EVEN_VOTERS).json(),
                "AWS::AutoScaling::AutoScalingGroup").values()) {
            assertThat(group.path("Properties").path("HealthCheckType").asText()).isEqualTo("EC2");
        }
        Synthesized elb = TestStacks.get(Scenario.EXISTING_VPC_ENTERPRISE);
        for (JsonNode group : Cfn.resources(elb.json(), "AWS::AutoScaling::AutoScalingGroup").values()) {
            assertThat(group.path("Properties").path("HealthCheckType").asText()).isEqualTo("ELB");
        }
        for (Scenario scenario : Scenario.values()) {
            assertThat(TestStacks.get(scenario).json().toString()).doesNotContain("autoscaling:UpdateAutoScalingGroup")
                    .doesNotContain("ELB_HEALTH_CHECKS");
        }
    }

    @Test
    void namedZonesPinTheGroupsAndOneNatGatewayCanServeThemAll() {
        Synthesized even = TestStacks.get(Scenario.EVEN_VOTERS);
        even.template().resourceCountIs("AWS::EC2::NatGateway", 1);
        List<String> zones = new ArrayList<>();
        for (JsonNode group : Cfn.resources(even.json(), "AWS::AutoScaling::AutoScalingGroup").values()) {
            String subnet = group.path("Properties").path("VPCZoneIdentifier").get(0).path("Ref").asText();
            zones.add(Cfn.resource(even.json(), subnet).path("Properties").path("AvailabilityZone").asText());
        }
        assertThat(zones).containsExactlyInAnyOrder("eu-west-1a", "eu-west-1b", "eu-west-1c");
        // In the default configuration the zones are the region's first three, chosen at deploy time.
        assertThat(Cfn.resources(template, "AWS::EC2::Subnet").values())
                .allSatisfy(s -> assertThat(s.path("Properties").path("AvailabilityZone").has("Fn::Select")).isTrue());
    }

    @Test
    void loadBalancerIsInternalTcpPassthroughHealthCheckingSysHealth() {
        synth.template().hasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", Map.of(
                "Scheme", "internal",
                "Type", "network"));
        synth.template().hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", Map.of(
                "Port", 8200,
                "Protocol", "TCP"));
        JsonNode targetGroup = Cfn.resources(template, "AWS::ElasticLoadBalancingV2::TargetGroup").values()
                .iterator().next().path("Properties");
        assertThat(targetGroup.path("Port").asInt()).isEqualTo(8200);
        assertThat(targetGroup.path("Protocol").asText()).isEqualTo("TCP");
        assertThat(targetGroup.path("TargetType").asText()).isEqualTo("instance");
        assertThat(targetGroup.path("HealthCheckProtocol").asText()).isEqualTo("HTTPS");
        assertThat(targetGroup.path("HealthCheckPort").asText()).isEqualTo("8200");
        // Unsealed active and standby answer 200 with these parameters; sealed 503, uninitialized 501 do not.
        String path = targetGroup.path("HealthCheckPath").asText();
        assertThat(path).startsWith("/v1/sys/health?").contains("standbyok=true").contains("perfstandbyok=true")
                .doesNotContain("sealedcode").doesNotContain("uninitcode");
        assertThat(targetGroup.path("Matcher").path("HttpCode").asText()).isEqualTo("200");
    }

    @Test
    void securityGroupsOpen8200ToClientsLoadBalancerAndLambdasAnd8201BetweenServersOnly() {
        String servers = Cfn.logicalId(synth.stack(), synth.stack().servers().securityGroup());
        String lb = Cfn.logicalId(synth.stack(), synth.stack().loadBalancer().securityGroup());
        String lambdas = Cfn.logicalId(synth.stack(), synth.stack().automation().securityGroup());

        Set<String> ingress = new HashSet<>();
        JsonNode serverGroup = Cfn.resource(template, servers).path("Properties");
        serverGroup.path("SecurityGroupIngress").forEach(rule -> ingress.add(describe(rule)));
        Cfn.resources(template, "AWS::EC2::SecurityGroupIngress").values().forEach(rule -> {
            if (rule.path("Properties").path("GroupId").path("Fn::GetAtt").path(0).asText().equals(servers)) {
                ingress.add(describe(rule.path("Properties")));
            }
        });
        assertThat(ingress).containsExactlyInAnyOrder(
                "8200 from 10.64.0.0/16",
                "8200 from sg:" + lb,
                "8200 from sg:" + lambdas,
                "8200 from sg:" + servers,
                "8201 from sg:" + servers);

        // Nothing anywhere is open to the internet.
        for (JsonNode group : Cfn.resources(template, "AWS::EC2::SecurityGroup").values()) {
            group.path("Properties").path("SecurityGroupIngress")
                    .forEach(rule -> assertThat(rule.path("CidrIp").asText()).isNotEqualTo("0.0.0.0/0"));
        }
        Cfn.resources(template, "AWS::EC2::SecurityGroupIngress").values().forEach(rule ->
                assertThat(rule.path("Properties").path("CidrIp").asText()).isNotEqualTo("0.0.0.0/0"));
    }

    @Test
    void clientCidrsReplaceTheVpcDefault() {
        Synthesized existing = TestStacks.get(Scenario.EXISTING_VPC_ENTERPRISE);
        String servers = Cfn.logicalId(existing.stack(), existing.stack().servers().securityGroup());
        Set<String> cidrs = new HashSet<>();
        Cfn.resource(existing.json(), servers).path("Properties").path("SecurityGroupIngress")
                .forEach(rule -> {
                    if (rule.has("CidrIp")) {
                        cidrs.add(rule.path("CidrIp").asText());
                    }
                });
        assertThat(cidrs).containsExactlyInAnyOrder("10.20.0.0/16", "192.168.10.0/24");
    }

    private static String describe(JsonNode rule) {
        String port = rule.path("FromPort").asText();
        assertThat(rule.path("ToPort").asText()).isEqualTo(port);
        assertThat(rule.path("IpProtocol").asText()).isEqualTo("tcp");
        if (rule.has("CidrIp")) {
            return port + " from " + rule.path("CidrIp").asText();
        }
        return port + " from sg:" + rule.path("SourceSecurityGroupId").path("Fn::GetAtt").path(0).asText();
    }

    /**
     * Shadow mode on the cluster's own stack too: the hooks' default result is CONTINUE, what a group without the
     * automation does, so that a handler that fails to complete never refuses a launch or retains an instance.
     */
    @Test
    void inShadowModeTheHooksContinueWhenNoHandlerCompletes() {
        Map<String, Object> context = TestStacks.context(Scenario.DEFAULT);
        context.put(ClusterConfig.SHADOW, "true");
        software.amazon.awscdk.App app = software.amazon.awscdk.App.Builder.create().context(context)
                .outdir(TestStacks.testOut().resolve("shadow-hooks").toString()).build();
        ClusterConfig config = ClusterConfig.fromContext(key -> app.getNode().tryGetContext(key), TestStacks.infraDir());
        RaftLifecycleStack stack = new RaftLifecycleStack(app, "ShadowHooks",
                software.amazon.awscdk.StackProps.builder().build(), config);
        JsonNode template = new ObjectMapper().valueToTree(
                software.amazon.awscdk.assertions.Template.fromStack(stack).toJSON());
        List<String> results = new ArrayList<>();
        Cfn.resources(template, "AWS::AutoScaling::AutoScalingGroup").values().forEach(g -> g.path("Properties")
                .path("LifecycleHookSpecificationList").forEach(h -> results.add(h.path("DefaultResult").asText())));
        assertThat(results).hasSize(6).containsOnly("CONTINUE");
    }
}
