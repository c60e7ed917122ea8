package dev.raftlifecycle.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.contract.LifecycleEvents;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.infra.TestStacks.AdoptScenario;
import dev.raftlifecycle.infra.TestStacks.Adopted;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The automation-only stack of an adopted cluster: the hooks on the named groups, the handlers with least privilege on
 * exactly those groups, and nothing of the cluster itself.
 */
class AdoptedClusterStackTest {

    private static JsonNode json(AdoptScenario scenario) {
        return TestStacks.get(scenario).json();
    }

    private static List<String> groups(AdoptScenario scenario) {
        return scenario == AdoptScenario.VAULT_SHADOW ? TestStacks.VAULT_GROUPS : List.of(TestStacks.CONSUL_GROUP);
    }

    @ParameterizedTest
    @EnumSource(AdoptScenario.class)
    void eachNamedGroupGetsTheLaunchAndTerminateHooksAndNothingElseIsHooked(AdoptScenario scenario) {
        Map<String, JsonNode> hooks = Cfn.resources(json(scenario), "AWS::AutoScaling::LifecycleHook");
        Set<String> seen = new HashSet<>();
        for (JsonNode hook : hooks.values()) {
            JsonNode p = hook.path("Properties");
            String group = p.path("AutoScalingGroupName").asText();
            assertThat(groups(scenario)).contains(group);
            // Shadow mode behaves as the group did before the automation: a handler that fails to complete (no route
            // to Auto Scaling, a bug) lets the launch or termination go on when the heartbeat runs out. Active: a launch
            // nobody verified is refused, a termination nobody cleared is retained.
            assertThat(p.path("DefaultResult").asText()).isEqualTo(scenario == AdoptScenario.VAULT_SHADOW
                    ? "CONTINUE" : "ABANDON");
            assertThat(p.has("NotificationTargetARN")).as("events go to EventBridge").isFalse();
            String name = p.path("LifecycleHookName").asText();
            if (name.equals(LifecycleEvents.LAUNCH_HOOK_NAME)) {
                assertThat(p.path("LifecycleTransition").asText()).isEqualTo("autoscaling:EC2_INSTANCE_LAUNCHING");
                assertThat(p.path("HeartbeatTimeout").asInt()).isEqualTo(600);
            } else {
                assertThat(name).isEqualTo(LifecycleEvents.TERMINATE_HOOK_NAME);
                assertThat(p.path("LifecycleTransition").asText()).isEqualTo("autoscaling:EC2_INSTANCE_TERMINATING");
                assertThat(p.path("HeartbeatTimeout").asInt()).isEqualTo(300);
            }
            assertThat(seen.add(group + "/" + name)).as("one hook per group and transition").isTrue();
            // Created only once the handlers and their rules exist.
            assertThat(hook.path("DependsOn").size()).isGreaterThan(0);
        }
        assertThat(seen).hasSize(2 * groups(scenario).size());
    }

    @ParameterizedTest
    @EnumSource(AdoptScenario.class)
    void createsNothingOfTheClusterItself(AdoptScenario scenario) {
        JsonNode template = json(scenario);
        Set<String> types = new HashSet<>();
        template.path("Resources").forEach(r -> types.add(r.path("Type").asText()));
        assertThat(types).doesNotContain("AWS::AutoScaling::AutoScalingGroup", "AWS::EC2::LaunchTemplate",
                "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::NatGateway", "AWS::EC2::InternetGateway",
                "AWS::EC2::VPCEndpoint", "AWS::EC2::FlowLog", "AWS::ElasticLoadBalancingV2::LoadBalancer",
                "AWS::ElasticLoadBalancingV2::TargetGroup", "AWS::SecretsManager::Secret", "AWS::IAM::InstanceProfile",
                // No rule on the servers' security group: the stack does not own it.
                "AWS::EC2::SecurityGroupIngress");
        // KMS: the snapshot key, and the alarm topic's key when the stack creates the topic. No unseal key.
        Map<String, JsonNode> keys = Cfn.resources(template, "AWS::KMS::Key");
        assertThat(keys).hasSize(2);
        keys.values().forEach(k -> assertThat(k.path("Properties").path("Description").asText())
                .doesNotContainIgnoringCase("unseal"));
        assertThat(keys.values().stream().map(k -> k.path("Properties").path("Description").asText()).toList())
                .anyMatch(d -> d.contains("snapshots")).anyMatch(d -> d.contains("alarm topic"));
        // Outputs name no load balancer address and no unseal key.
        assertThat(template.path("Outputs").has("VaultAddress")).isFalse();
        assertThat(template.path("Outputs").has("UnsealKeyArn")).isFalse();
        assertThat(template.path("Outputs").has("RollingUpgradePolicyArn")).isFalse();
    }

    @ParameterizedTest
    @EnumSource(AdoptScenario.class)
    void theLambdasReachTheServersGroupOnTheApiPortWithoutChangingIt(AdoptScenario scenario) {
        JsonNode template = json(scenario);
        int port = scenario == AdoptScenario.VAULT_SHADOW ? 8200 : 8501;
        List<JsonNode> toServers = new ArrayList<>();
        for (JsonNode sg : Cfn.resources(template, "AWS::EC2::SecurityGroup").values()) {
            assertThat(sg.path("Properties").path("VpcId").asText()).isEqualTo("vpc-0123456789abcdef0");
            sg.path("Properties").path("SecurityGroupEgress").forEach(e -> {
                if (e.path("DestinationSecurityGroupId").asText().equals(TestStacks.SERVER_SG)) {
                    toServers.add(e);
                }
            });
        }
        Cfn.resources(template, "AWS::EC2::SecurityGroupEgress").values().forEach(e -> {
            if (e.path("Properties").path("DestinationSecurityGroupId").asText().equals(TestStacks.SERVER_SG)) {
                toServers.add(e.path("Properties"));
            }
        });
        assertThat(toServers).hasSize(1);
        assertThat(toServers.get(0).path("FromPort").asInt()).isEqualTo(port);
        assertThat(toServers.get(0).path("ToPort").asInt()).isEqualTo(port);
        String admit = template.path("Outputs").path("AdmitLambdasCommand").path("Value").toString();
        assertThat(admit).contains("--group-id " + TestStacks.SERVER_SG, "--port " + port);
        // The functions run in exactly the given subnets.
        for (JsonNode function : Cfn.resources(template, "AWS::Lambda::Function").values()) {
            List<String> subnets = Cfn.strings(function.path("Properties").path("VpcConfig").path("SubnetIds"));
            assertThat(subnets).containsExactlyElementsOf(scenario == AdoptScenario.VAULT_SHADOW
                    ? List.of("subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2")
                    : List.of("subnet-0aaaaaaaaaaaaaaa1"));
        }
    }

    /** The only Auto Scaling calls that change anything, on the named groups' ARNs and no other. */
    @ParameterizedTest
    @EnumSource(AdoptScenario.class)
    void autoScalingMutationsAreScopedToTheNamedGroups(AdoptScenario scenario) {
        JsonNode template = json(scenario);
        Set<String> mutating = Set.of("autoscaling:CompleteLifecycleAction",
                "autoscaling:RecordLifecycleActionHeartbeat");
        int lifecycleStatements = 0;
        for (String role : Cfn.resources(template, "AWS::IAM::Role").keySet()) {
            for (JsonNode statement : Cfn.identityStatements(template, role)) {
                List<String> actions = Cfn.strings(statement.path("Action"));
                for (String action : actions) {
                    assertThat(action).as("no wildcard action").doesNotContain("*");
                    if (action.startsWith("autoscaling:") && !action.startsWith("autoscaling:Describe")) {
                        assertThat(mutating).as(role + " may " + action).contains(action);
                    }
                }
                if (actions.stream().anyMatch(mutating::contains)) {
                    lifecycleStatements++;
                    List<String> resources = new ArrayList<>();
                    JsonNode resource = statement.path("Resource");
                    if (resource.isArray()) {
                        resource.forEach(r -> resources.add(Cfn.flatten(r)));
                    } else {
                        resources.add(Cfn.flatten(resource));
                    }
                    assertThat(resources).hasSize(groups(scenario).size());
                    for (int i = 0; i < resources.size(); i++) {
                        assertThat(resources.get(i)).startsWith("arn:${Ref:AWS::Partition}:autoscaling:")
                                .endsWith(":autoScalingGroup:*:autoScalingGroupName/" + groups(scenario).get(i));
                    }
                }
            }
        }
        assertThat(lifecycleStatements).as("the terminating and launching handlers").isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(AdoptScenario.class)
    void everyFunctionRunsInShadowModeExactlyWhenAsked(AdoptScenario scenario) {
        Map<String, JsonNode> functions = Cfn.resources(json(scenario), "AWS::Lambda::Function");
        // Five handlers and the snapshot function (and the CDK's own helpers, which are not ours: none here).
        assertThat(functions).hasSize(6);
        for (JsonNode function : functions.values()) {
            JsonNode env = function.path("Properties").path("Environment").path("Variables");
            if (scenario == AdoptScenario.VAULT_SHADOW) {
                assertThat(env.path(Settings.MODE).asText()).isEqualTo("shadow");
            } else {
                assertThat(env.has(Settings.MODE)).as("active is the default: MODE unset").isFalse();
            }
            assertThat(env.path(Settings.ASG_NAMES).asText()).isEqualTo(String.join(",", groups(scenario)));
            assertThat(env.has(Settings.CANARY_ADDRESS)).as("no load balancer to probe").isFalse();
            assertThat(env.has(Settings.UNSEAL_KEY_ID)).as("no unseal key of the stack's").isFalse();
            if (scenario == AdoptScenario.VAULT_SHADOW) {
                assertThat(env.path(Settings.VAULT_AUTH_MOUNT).asText()).isEqualTo("raft-lifecycle-aws");
                assertThat(env.path(Settings.VAULT_PORT).asText()).isEqualTo("8200");
                assertThat(env.path(Settings.VAULT_TLS_SERVER_NAME).asText()).isEqualTo("vault.prod.example.internal");
                // No version given: a cluster built elsewhere runs whatever it runs.
                assertThat(env.has(Settings.EXPECTED_VAULT_VERSION)).isFalse();
            } else {
                assertThat(env.path(Settings.VAULT_PORT).asText()).isEqualTo("8501");
                assertThat(env.path(Settings.EXPECTED_VAULT_VERSION).asText()).isEqualTo("1.16.3");
            }
        }
    }

    @Test
    void theMainStackIsActiveByDefault() {
        for (JsonNode function : Cfn.resources(TestStacks.get(TestStacks.Scenario.DEFAULT).json(),
                "AWS::Lambda::Function").values()) {
            assertThat(function.path("Properties").path("Environment").path("Variables").has(Settings.MODE)).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(AdoptScenario.class)
    void theLifecycleRulesMatchTheNamedGroupsOnly(AdoptScenario scenario) {
        int lifecycleRules = 0;
        for (JsonNode rule : Cfn.resources(json(scenario), "AWS::Events::Rule").values()) {
            JsonNode detail = rule.path("Properties").path("EventPattern").path("detail");
            if (detail.has("AutoScalingGroupName")) {
                lifecycleRules++;
                assertThat(Cfn.strings(detail.path("AutoScalingGroupName"))).containsExactlyElementsOf(groups(scenario));
            }
        }
        assertThat(lifecycleRules).isEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(AdoptScenario.class)
    void theOutputsSayWhatTheStackCannotDoOnGroupsItDoesNotOwn(AdoptScenario scenario) {
        JsonNode outputs = json(scenario).path("Outputs");
        String retain = outputs.path("RetainPolicyCommand").path("Value").asText();
        assertThat(retain).contains("aws autoscaling update-auto-scaling-group",
                "--instance-lifecycle-policy 'RetentionTriggers={TerminateHookAbandon=retain}'");
        groups(scenario).forEach(g -> assertThat(retain).contains(g));
        assertThat(outputs.path("ServerGroupNames").path("Value").asText()).isEqualTo(String.join(",", groups(scenario)));
        assertThat(outputs.path("Mode").path("Value").asText())
                .isEqualTo(scenario == AdoptScenario.VAULT_SHADOW ? "shadow" : "active");
        if (scenario == AdoptScenario.VAULT_SHADOW) {
            // How to leave shadow mode: the key cannot be left out with adopt.
            assertThat(outputs.path("Mode").path("Description").asText()).contains("deploy with shadow=false");
        }
        if (scenario == AdoptScenario.VAULT_SHADOW) {
            String configure = Cfn.flatten(outputs.path("ConfigureVaultCommand").path("Value"));
            assertThat(configure).startsWith("scripts/configure-vault ").contains("--role-arn ",
                    "--read-role-arn ", "--publisher-role-arn ", "--snapshot-role-arn ",
                    "--server-id vault.prod.example.internal", "--auth-mount raft-lifecycle-aws");
            // What the script does with the token: auth methods, policies, the canary's KV mount, the audit device.
            assertThat(outputs.path("ConfigureVaultCommand").path("Description").asText()).contains("--audit-file",
                    "auth methods", "policies", "secrets engines", "audit devices");
            assertThat(outputs.has("VaultBoundRoleArns")).isTrue();
        } else {
            assertThat(outputs.has("ConfigureVaultCommand")).isFalse();
            assertThat(outputs.path("ConsulTlsServerName").path("Value").asText())
                    .isEqualTo("server.dc1.example.internal");
        }
    }

    @Test
    void theRetainCommandQuotesGroupNamesTheShellWouldSplit() {
        assertThat(AdoptedClusterStack.retainPolicyCommand(List.of("a b", "it's")))
                .startsWith("for g in 'a b' 'it'\\''s'; do ");
    }

    @ParameterizedTest
    @EnumSource(AdoptScenario.class)
    void theRetainAlarmStopsARollAndNoAlarmWaitsForWhatTheStackDidNotBuild(AdoptScenario scenario) {
        Adopted adopted = TestStacks.get(scenario);
        JsonNode template = adopted.json();
        String cluster = adopted.config().clusterName();
        Map<String, JsonNode> alarms = new java.util.HashMap<>();
        Cfn.resources(template, "AWS::CloudWatch::Alarm").values()
                .forEach(a -> alarms.put(a.path("Properties").path("AlarmName").asText(), a.path("Properties")));
        JsonNode retain = alarms.get(cluster + "-groups-without-retain-policy");
        assertThat(retain).isNotNull();
        assertThat(retain.path("MetricName").asText()).isEqualTo(MetricName.GROUPS_WITHOUT_RETAIN_POLICY.metricName());
        assertThat(retain.path("ComparisonOperator").asText()).isEqualTo("GreaterThanThreshold");
        assertThat(retain.path("Threshold").asDouble()).isZero();
        assertThat(retain.path("AlarmDescription").asText()).endsWith("Runbook: RUNBOOK.md#groups-without-retain-policy");
        assertThat(template.path("Outputs").path("GateAlarmNames").path("Value").asText().split(","))
                .contains(cluster + "-groups-without-retain-policy");
        // No canary (no load balancer), no unseal key: alarms on their metrics would fire for ever.
        assertThat(alarms.keySet()).noneMatch(n -> n.contains("unseal") || n.contains("slo"));
        assertThat(Cfn.resources(template, "AWS::CloudWatch::CompositeAlarm")).isEmpty();
        assertThat(alarms.values()).noneMatch(a -> a.path("MetricName").asText().startsWith("Canary")
                || a.path("MetricName").asText().equals(MetricName.UNSEAL_KEY_USABLE.metricName()));
    }

    @ParameterizedTest
    @EnumSource(AdoptScenario.class)
    void theDashboardHasAShadowDecisionsRow(AdoptScenario scenario) {
        Adopted adopted = TestStacks.get(scenario);
        JsonNode dashboard = Cfn.resources(adopted.json(), "AWS::CloudWatch::Dashboard").values().iterator().next();
        String body = Cfn.flatten(dashboard.path("Properties").path("DashboardBody"));
        MonitoringTest.assertShadowRow(body, adopted.config());
        assertThat(body).doesNotContain("Canary", "UnsealKeyUsable");
    }
}
