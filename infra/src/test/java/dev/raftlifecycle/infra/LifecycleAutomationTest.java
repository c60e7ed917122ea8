package dev.raftlifecycle.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.contract.HandlerNames;
import dev.raftlifecycle.contract.LockTable;
import dev.raftlifecycle.infra.TestStacks.Scenario;
import dev.raftlifecycle.infra.TestStacks.Synthesized;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The Lambdas, their roles, triggers, dead letters and the lock table. */
class LifecycleAutomationTest {

    private final Synthesized synth = TestStacks.get(Scenario.DEFAULT);
    private final JsonNode template = synth.json();
    private final LifecycleAutomation automation = synth.stack().automation();

    private JsonNode function(LifecycleAutomation.Handler handler) {
        return Cfn.resource(template, Cfn.logicalId(synth.stack(), handler.function())).path("Properties");
    }

    private Map<String, String> environment(LifecycleAutomation.Handler handler) {
        Map<String, String> env = new HashMap<>();
        function(handler).path("Environment").path("Variables").properties()
                .forEach(e -> env.put(e.getKey(), Cfn.flatten(e.getValue())));
        return env;
    }

    private List<JsonNode> statements(LifecycleAutomation.Handler handler) {
        return Cfn.identityStatements(template, Cfn.logicalId(synth.stack(), handler.role()));
    }

    @Test
    void fiveJava21FunctionsWithTheContractHandlersTimeoutsAndMemory() {
        assertThat(Cfn.resources(template, "AWS::Lambda::Function").values().stream()
                .filter(f -> f.path("Properties").path("Runtime").asText().startsWith("java")))
                .hasSize(6); // and the snapshot function (SnapshotsTest)
        record Expected(LifecycleAutomation.Handler handler, String handlerString, int timeout) {
        }
        for (Expected e : List.of(
                new Expected(automation.terminating(), HandlerNames.TERMINATING, 900),
                new Expected(automation.launching(), HandlerNames.LAUNCHING, 900),
                new Expected(automation.publisher(), HandlerNames.PUBLISHER, 60),
                new Expected(automation.reconciler(), HandlerNames.RECONCILER, 120),
                new Expected(automation.interruption(), HandlerNames.INTERRUPTION, 120))) {
            JsonNode p = function(e.handler());
            assertThat(p.path("Runtime").asText()).isEqualTo("java21");
            assertThat(p.path("Handler").asText()).isEqualTo(e.handlerString());
            assertThat(p.path("Timeout").asInt()).isEqualTo(e.timeout());
            assertThat(p.path("MemorySize").asInt()).isEqualTo(1024);
            assertThat(p.path("SnapStart").path("ApplyOn").asText()).isEqualTo("PublishedVersions");
            assertThat(environment(e.handler())).containsEntry("JAVA_TOOL_OPTIONS", HandlerNames.JAVA_TOOL_OPTIONS);
            assertThat(p.path("VpcConfig").path("SubnetIds")).hasSize(3);
            assertThat(Cfn.strings(p.path("VpcConfig").path("SecurityGroupIds")).toString())
                    .contains(Cfn.logicalId(synth.stack(), automation.securityGroup()));
            assertThat(p.path("Role").path("Fn::GetAtt").path(0).asText())
                    .isEqualTo(Cfn.logicalId(synth.stack(), e.handler().role()));
            assertThat(p.path("LoggingConfig").path("LogGroup").path("Ref").asText())
                    .isEqualTo(Cfn.logicalId(synth.stack(), e.handler().logGroup()));
        }
        // Launch verifications run in parallel and terminations and interruptions serialize through the lock table:
        // no reserved concurrency on those. One publisher at a time; a few reconcilers, so that a scheduled run
        // never holds back a state change (their removals serialize through the lock too).
        assertThat(function(automation.terminating()).has("ReservedConcurrentExecutions")).isFalse();
        assertThat(function(automation.launching()).has("ReservedConcurrentExecutions")).isFalse();
        assertThat(function(automation.interruption()).has("ReservedConcurrentExecutions")).isFalse();
        assertThat(function(automation.publisher()).path("ReservedConcurrentExecutions").asInt()).isEqualTo(1);
        assertThat(function(automation.reconciler()).path("ReservedConcurrentExecutions").asInt())
                .isEqualTo(LifecycleAutomation.RECONCILER_CONCURRENCY);
    }

    @Test
    void environmentCarriesTheSettingsTheHandlersNeed() {
        for (LifecycleAutomation.Handler handler : automation.handlers()) {
            Map<String, String> env = environment(handler);
            assertThat(env).containsEntry(Settings.CLUSTER_NAME, "vault")
                    .containsEntry(Settings.ASG_NAMES, "vault-servers-1,vault-servers-2,vault-servers-3")
                    .containsEntry(Settings.VAULT_PORT, "8200")
                    .containsEntry(Settings.VAULT_IAM_SERVER_ID, "vault.vault.internal")
                    .containsEntry(Settings.VAULT_TLS_SERVER_NAME, "vault.vault.internal")
                    .containsEntry(Settings.METRICS_NAMESPACE, "RaftLifecycle")
                    .containsEntry(Settings.NON_VOTERS, "false")
                    .containsEntry(Settings.EXPECTED_VAULT_VERSION, ClusterConfig.DEFAULT_VAULT_VERSION)
                    .containsEntry(Settings.VAULT_AUTH_MOUNT, "aws")
                    .containsEntry(Settings.VAULT_AUTH_ROLE, automation.mutatingHandlers().contains(handler)
                            ? "raft-lifecycle" : handler == automation.publisher() ? "raft-lifecycle-publisher"
                            : "raft-lifecycle-read");
            assertThat(env.get(Settings.VAULT_CA_PEM)).startsWith("-----BEGIN CERTIFICATE-----\\n")
                    .endsWith("-----END CERTIFICATE-----").doesNotContain("\n");
            java.util.Set<String> known = new java.util.HashSet<>(Settings.ALL);
            known.add("JAVA_TOOL_OPTIONS"); // read by the JVM, not by Settings
            assertThat(env.keySet()).isSubsetOf(known);
            // Lambda allows 4 KB of environment in total.
            int size = env.entrySet().stream().mapToInt(e -> e.getKey().length() + e.getValue().length()).sum();
            assertThat(size).isLessThan(4096 - 200);
        }
        // Only the handlers that may remove peers log in with the mutating Vault role.
        assertThat(automation.mutatingHandlers()).containsExactlyInAnyOrder(automation.terminating(),
                automation.reconciler(), automation.interruption());
        String lockTable = "${Ref:" + Cfn.logicalId(synth.stack(), automation.lockTable()) + "}";
        for (LifecycleAutomation.Handler handler : automation.handlers()) {
            assertThat(environment(handler)).containsEntry(Settings.LOCK_TABLE, lockTable);
        }
        assertThat(environment(automation.reconciler())).containsEntry(Settings.STALE_GRACE_SECONDS, "300")
                .containsEntry(Settings.RECONCILE_MODE, "remove");
        assertThat(environment(automation.publisher())).doesNotContainKey(Settings.STALE_GRACE_SECONDS)
                .containsEntry(Settings.CANARY_TIMEOUT_MS, "2000");
        // Every function knows its account (events from others are refused), the hooks it serves, and whether the
        // deployment declares the cluster decommissioned (a deploy, never a tag).
        for (LifecycleAutomation.Handler handler : automation.handlers()) {
            assertThat(environment(handler)).containsEntry(Settings.ACCOUNT_ID, "${Ref:AWS::AccountId}")
                    .containsEntry(Settings.LAUNCH_HOOK_NAME, ServerGroups.LAUNCH_HOOK_NAME)
                    .containsEntry(Settings.TERMINATE_HOOK_NAME, ServerGroups.TERMINATE_HOOK_NAME)
                    .containsEntry(Settings.DECOMMISSION, "false");
        }
        // The canary goes to the load balancer's own name, on the API port.
        String lb = Cfn.logicalId(synth.stack(), synth.stack().loadBalancer().loadBalancer());
        assertThat(environment(automation.publisher()).get(Settings.CANARY_ADDRESS))
                .isEqualTo("https://${GetAtt:" + lb + ".DNSName}:8200");
        for (LifecycleAutomation.Handler handler : automation.handlers()) {
            if (handler != automation.publisher()) {
                assertThat(environment(handler)).as(handler.function().getNode().getId())
                        .doesNotContainKeys(Settings.CANARY_ADDRESS);
            }
        }
        assertThat(environment(automation.interruption())).containsEntry(Settings.REBALANCE_ACTION, "count")
                .containsEntry(Settings.RECONCILE_MODE, "remove");
        assertThat(environment(automation.reconciler())).doesNotContainKey(Settings.REBALANCE_ACTION);

        int launchWait = Integer.parseInt(environment(automation.launching()).get(Settings.LAUNCH_MAX_WAIT_SECONDS));
        int margin = Integer.parseInt(environment(automation.launching()).get(Settings.SAFETY_MARGIN_SECONDS));
        assertThat(launchWait).isEqualTo(600);
        assertThat(launchWait).isLessThan(function(automation.launching()).path("Timeout").asInt() - margin);
    }

    @Test
    void theFunctionsModuleAcceptsTheEnvironmentAsItIs() {
        for (Synthesized s : List.of(synth, TestStacks.get(Scenario.EXISTING_VPC_ENTERPRISE))) {
            for (LifecycleAutomation.Handler handler : s.stack().automation().handlers()) {
                Map<String, String> env = new HashMap<>();
                Cfn.resource(s.json(), Cfn.logicalId(s.stack(), handler.function())).path("Properties")
                        .path("Environment").path("Variables").properties().forEach(e -> env.put(e.getKey(),
                                // Deploy-time references (the lock table's, the load balancer's name) become a plausible literal.
                                e.getValue().isTextual() ? e.getValue().asText() : Cfn.flatten(e.getValue())
                                        .replace("${Ref:AWS::AccountId}", "123456789012")
                                        .replaceAll("\\$\\{[^}]*}", "raft-lifecycle-lock-table")));
                env.put(Settings.AWS_REGION, "eu-west-1"); // set by Lambda itself
                Settings settings = Settings.from(env);
                assertThat(settings.groupNames()).isEqualTo(s.config().groupNames());
                assertThat(settings.caPem()).contains("-----BEGIN CERTIFICATE-----\n");
                assertThat(settings.tlsServerName()).contains(s.config().tlsServerName());
                assertThat(settings.nonVoters()).isEqualTo(s.config().enterprise());
                assertThat(settings.metricsNamespace()).isEqualTo(s.config().metricsNamespace());
            }
        }
    }

    @Test
    void noCaInContextMeansADeployTimeParameter() {
        Synthesized noCa = TestStacks.get(Scenario.NO_CA);
        JsonNode parameter = noCa.json().path("Parameters").path(LifecycleAutomation.CA_PARAMETER);
        assertThat(parameter.path("Type").asText()).isEqualTo("String");
        assertThat(parameter.has("Default")).isFalse();
        assertThat("x\n-----BEGIN CERTIFICATE-----\nabc").matches(parameter.path("AllowedPattern").asText());
        assertThat("no certificate").doesNotMatch(parameter.path("AllowedPattern").asText());
        for (LifecycleAutomation.Handler handler : noCa.stack().automation().handlers()) {
            assertThat(Cfn.resource(noCa.json(), Cfn.logicalId(noCa.stack(), handler.function()))
                    .path("Properties").path("Environment").path("Variables").path(Settings.VAULT_CA_PEM)
                    .path("Ref").asText()).isEqualTo(LifecycleAutomation.CA_PARAMETER);
        }
        assertThat(template.path("Parameters").has(LifecycleAutomation.CA_PARAMETER)).isFalse();
    }

    @Test
    void aliasesOnPublishedVersionsWithBoundedRetriesAndOnFailureQueues() {
        String lifecycleQueue = Cfn.logicalId(synth.stack(), automation.lifecycleDeadLetters());
        String publisherQueue = Cfn.logicalId(synth.stack(), automation.publisherDeadLetters());
        Map<String, JsonNode> configs = Cfn.resources(template, "AWS::Lambda::EventInvokeConfig");
        assertThat(configs).hasSize(6); // and the snapshot function's (SnapshotsTest)
        for (LifecycleAutomation.Handler handler : automation.handlers()) {
            JsonNode alias = Cfn.resource(template, Cfn.logicalId(synth.stack(), handler.alias())).path("Properties");
            assertThat(alias.path("Name").asText()).isEqualTo(HandlerNames.ALIAS_NAME);
            assertThat(alias.path("FunctionVersion").path("Fn::GetAtt").path(1).asText()).isEqualTo("Version");
            String functionId = Cfn.logicalId(synth.stack(), handler.function());
            JsonNode config = configs.values().stream()
                    .filter(c -> c.path("Properties").path("FunctionName").path("Ref").asText().equals(functionId))
                    .findFirst().orElseThrow().path("Properties");
            // The alias name, selected from the alias ARN: the configuration applies to the alias, not $LATEST.
            assertThat(config.path("Qualifier").path("Fn::Select").path(1).path("Fn::Split").path(1).path("Ref")
                    .asText()).isEqualTo(Cfn.logicalId(synth.stack(), handler.alias()));
            // The publisher's missed tick is replaced by the next one; everything else is retried twice (the
            // reconciler takes EC2's state changes too). The reconciler's failures land beside the publisher's: the
            // schedule is their backstop.
            boolean isPublisher = handler == automation.publisher() || handler == automation.reconciler();
            assertThat(config.path("MaximumRetryAttempts").asInt()).isEqualTo(handler == automation.publisher() ? 0 : 2);
            assertThat(config.path("DestinationConfig").path("OnFailure").path("Destination")
                    .path("Fn::GetAtt").path(0).asText()).isEqualTo(isPublisher ? publisherQueue : lifecycleQueue);
            // The on-failure destination needs the role to send to that queue (and only that queue).
            assertThat(Cfn.allowing(statements(handler), "sqs:SendMessage")).singleElement()
                    .satisfies(s -> assertThat(Cfn.flatten(s.path("Resource")))
                            .isEqualTo("${GetAtt:" + (isPublisher ? publisherQueue : lifecycleQueue) + ".Arn}"));
        }
        for (JsonNode queue : Cfn.resources(template, "AWS::SQS::Queue").values()) {
            assertThat(queue.path("Properties").path("SqsManagedSseEnabled").asBoolean()).isTrue();
        }
    }

    @Test
    void rulesMatchLifecycleEventsOfExactlyTheseGroupsAndTheScheduleRunsEveryMinute() {
        Map<String, JsonNode> rules = new java.util.HashMap<>(Cfn.resources(template, "AWS::Events::Rule"));
        // The snapshot schedule is the Snapshots construct's (SnapshotsTest).
        rules.remove(Cfn.logicalId(synth.stack(), synth.stack().snapshots().schedule().orElseThrow()));
        assertThat(rules).hasSize(5);
        List<String> seen = new ArrayList<>();
        for (JsonNode rule : rules.values()) {
            JsonNode p = rule.path("Properties");
            JsonNode target = p.path("Targets").get(0);
            String targetId = target.path("Arn").path("Ref").asText();
            JsonNode pattern = p.path("EventPattern");
            if (Cfn.strings(pattern.path("source")).contains("aws.ec2")) {
                // EventBridge cannot filter EC2 events by tag: the handler keeps to this cluster's instances.
                List<String> types = Cfn.strings(pattern.path("detail-type"));
                if (types.contains("EC2 Instance State-change Notification")) {
                    assertThat(types).containsExactly("EC2 Instance State-change Notification");
                    assertThat(Cfn.strings(pattern.path("detail").path("state")))
                            .containsExactlyInAnyOrder("shutting-down", "terminated");
                    assertThat(targetId).isEqualTo(Cfn.logicalId(synth.stack(), automation.reconciler().alias()));
                    seen.add("state-change");
                } else {
                    assertThat(types).containsExactlyInAnyOrder("EC2 Spot Instance Interruption Warning",
                            "EC2 Instance Rebalance Recommendation");
                    assertThat(targetId).isEqualTo(Cfn.logicalId(synth.stack(), automation.interruption().alias()));
                    seen.add("interruption");
                }
                assertThat(target.path("RetryPolicy").path("MaximumRetryAttempts").asInt()).isEqualTo(3);
                continue;
            }
            if (p.has("ScheduleExpression")) {
                assertThat(p.path("ScheduleExpression").asText()).isEqualTo("rate(1 minute)");
                List<String> targets = new ArrayList<>();
                p.path("Targets").forEach(t -> {
                    targets.add(t.path("Arn").path("Ref").asText());
                    assertThat(t.path("RetryPolicy").path("MaximumRetryAttempts").asInt()).isZero();
                });
                assertThat(targets).containsExactlyInAnyOrder(Cfn.logicalId(synth.stack(), automation.publisher().alias()),
                        Cfn.logicalId(synth.stack(), automation.reconciler().alias()));
                seen.add("schedule");
                continue;
            }
            assertThat(Cfn.strings(pattern.path("source"))).containsExactly("aws.autoscaling");
            assertThat(Cfn.strings(pattern.path("detail").path("AutoScalingGroupName")))
                    .containsExactlyInAnyOrder("vault-servers-1", "vault-servers-2", "vault-servers-3");
            assertThat(target.path("DeadLetterConfig").path("Arn").path("Fn::GetAtt").path(0).asText())
                    .isEqualTo(Cfn.logicalId(synth.stack(), automation.lifecycleDeadLetters()));
            String detailType = Cfn.strings(pattern.path("detail-type")).get(0);
            assertThat(Cfn.strings(pattern.path("detail-type"))).hasSize(1);
            if (detailType.equals("EC2 Instance-terminate Lifecycle Action")) {
                assertThat(targetId).isEqualTo(Cfn.logicalId(synth.stack(), automation.terminating().alias()));
                assertThat(Cfn.strings(pattern.path("detail").path("LifecycleHookName")))
                        .containsExactly(ServerGroups.TERMINATE_HOOK_NAME);
                seen.add("terminate");
            } else {
                assertThat(detailType).isEqualTo("EC2 Instance-launch Lifecycle Action");
                assertThat(targetId).isEqualTo(Cfn.logicalId(synth.stack(), automation.launching().alias()));
                assertThat(Cfn.strings(pattern.path("detail").path("LifecycleHookName")))
                        .containsExactly(ServerGroups.LAUNCH_HOOK_NAME);
                seen.add("launch");
            }
        }
        assertThat(seen).containsExactlyInAnyOrder("schedule", "terminate", "launch", "state-change", "interruption");
    }

    @Test
    void lockTableIsOnDemandWithTheContractKeyAndTtl() {
        synth.template().hasResourceProperties("AWS::DynamoDB::Table", Map.of(
                "KeySchema", List.of(Map.of("AttributeName", LockTable.PARTITION_KEY, "KeyType", "HASH")),
                "AttributeDefinitions", List.of(Map.of("AttributeName", LockTable.PARTITION_KEY,
                        "AttributeType", "S")),
                "BillingMode", "PAY_PER_REQUEST",
                "TimeToLiveSpecification", Map.of("AttributeName", LockTable.TTL_ATTRIBUTE, "Enabled", true)));
    }

    @Test
    void eachRoleHasOnlyWhatItsHandlerCalls() {
        Set<String> vpcAccess = Set.of("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses",
                "ec2:UnassignPrivateIpAddresses");
        Set<String> common = new java.util.TreeSet<>(vpcAccess);
        common.addAll(Set.of("logs:CreateLogStream", "logs:PutLogEvents", "autoscaling:DescribeAutoScalingGroups",
                "ec2:DescribeInstances", "sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"));
        Set<String> lifecycle = Set.of("autoscaling:CompleteLifecycleAction",
                "autoscaling:RecordLifecycleActionHeartbeat");
        // No UpdateItem: no code calls it. DeleteItem (releasing the lock) only for the three that take it. No function
        // may update a group (the switch to ELB health checks is a deploy).
        Set<String> records = Set.of("dynamodb:GetItem", "dynamodb:PutItem");
        Set<String> lock = union(records, Set.of("dynamodb:DeleteItem"));

        assertThat(Cfn.actions(statements(automation.terminating()))).isEqualTo(union(common, lifecycle, lock));
        assertThat(Cfn.actions(statements(automation.launching()))).isEqualTo(union(common, lifecycle, records));
        assertThat(Cfn.actions(statements(automation.publisher())))
                // DescribeKey: the unseal key's state (UnsealKeyUsable), on that key only (HardeningTest).
                // ListBucket: the snapshot prefix (SnapshotAgeSeconds, SnapshotsTest).
                .isEqualTo(union(common, records, Set.of("cloudwatch:PutMetricData", "kms:DescribeKey",
                        "s3:ListBucket")));
        assertThat(Cfn.actions(statements(automation.reconciler()))).isEqualTo(union(common, lock));
        assertThat(Cfn.actions(statements(automation.interruption())))
                .isEqualTo(union(common, lock, Set.of("ec2:DescribeSpotInstanceRequests")));
        assertThat(template.toString()).doesNotContain("autoscaling:UpdateAutoScalingGroup");

        for (LifecycleAutomation.Handler handler : List.of(automation.terminating(), automation.launching())) {
            JsonNode complete = Cfn.allowing(statements(handler), "autoscaling:CompleteLifecycleAction").get(0);
            List<String> arns = new ArrayList<>();
            complete.path("Resource").forEach(r -> arns.add(Cfn.flatten(r)));
            assertThat(arns).containsExactlyInAnyOrder(
                    groupArn("vault-servers-1"), groupArn("vault-servers-2"), groupArn("vault-servers-3"));
        }
        // The lock table is not a shared whiteboard: every DynamoDB statement names the table and the exact items
        // (dynamodb:LeadingKeys) of the kinds its handler owns; the lock item only for the three that take it.
        String table = "${GetAtt:" + Cfn.logicalId(synth.stack(), automation.lockTable()) + ".Arn}";
        String cluster = "vault";
        Map<LifecycleAutomation.Handler, Set<String>> owned = Map.of(
                automation.terminating(), Set.of("mutation#" + cluster, "initialized#" + cluster, "access#" + cluster),
                automation.interruption(), Set.of("mutation#" + cluster, "initialized#" + cluster, "access#" + cluster),
                automation.reconciler(), Set.of("mutation#" + cluster, "initialized#" + cluster, "access#" + cluster,
                        "stale#" + cluster),
                automation.launching(), Set.of("initialized#" + cluster, "access#" + cluster),
                automation.publisher(), Set.of("initialized#" + cluster, "access#" + cluster, "leader#" + cluster));
        for (LifecycleAutomation.Handler handler : automation.handlers()) {
            Set<String> keys = new java.util.TreeSet<>();
            for (JsonNode statement : statements(handler)) {
                if (Cfn.strings(statement.path("Action")).stream().noneMatch(a -> a.startsWith("dynamodb:"))) {
                    continue;
                }
                assertThat(Cfn.flatten(statement.path("Resource"))).isEqualTo(table);
                JsonNode leading = statement.path("Condition").path("ForAllValues:StringEquals").path("dynamodb:LeadingKeys");
                assertThat(leading.isMissingNode()).as("LeadingKeys on every DynamoDB statement").isFalse();
                List<String> statementKeys = Cfn.strings(leading);
                if (Cfn.strings(statement.path("Action")).contains("dynamodb:DeleteItem")) {
                    assertThat(statementKeys).as("DeleteItem only on the lock item").containsExactly("mutation#" + cluster);
                }
                keys.addAll(statementKeys);
            }
            assertThat(keys).as(handler.function().getNode().getId()).isEqualTo(new java.util.TreeSet<>(owned.get(handler)));
        }
        JsonNode metrics = Cfn.allowing(statements(automation.publisher()), "cloudwatch:PutMetricData").get(0);
        assertThat(metrics.path("Condition").path("StringEquals").path("cloudwatch:namespace").asText())
                .isEqualTo("RaftLifecycle");
        assertThat(Cfn.strings(metrics.path("Action"))).containsExactly("cloudwatch:PutMetricData");
    }

    @Test
    void theStatusFunctionOutputNamesThePublisherOnEachSystem() {
        for (Synthesized s : List.of(synth, TestStacks.get(Scenario.CONSUL))) {
            JsonNode output = s.json().path("Outputs").path("StatusFunctionName");
            String publisher = Cfn.logicalId(s.stack(), s.stack().automation().publisher().function());
            assertThat(Cfn.flatten(output.path("Value"))).isEqualTo("${Ref:" + publisher + "}");
            assertThat(output.path("Description").asText()).contains("{\"status\":true}", "--qualifier live");
        }
    }

    @Test
    void theCanaryMayReachTheLoadBalancerAndConfigureVaultBindsThePublisherToItsOwnRole() {
        String lambdas = Cfn.logicalId(synth.stack(), automation.securityGroup());
        String lb = Cfn.logicalId(synth.stack(), synth.stack().loadBalancer().securityGroup());
        assertThat(Cfn.resources(template, "AWS::EC2::SecurityGroupIngress").values()).anySatisfy(rule -> {
            JsonNode p = rule.path("Properties");
            assertThat(Cfn.flatten(p.path("GroupId"))).isEqualTo("${GetAtt:" + lb + ".GroupId}");
            assertThat(Cfn.flatten(p.path("SourceSecurityGroupId"))).isEqualTo("${GetAtt:" + lambdas + ".GroupId}");
            assertThat(p.path("FromPort").asInt()).isEqualTo(8200);
        });
        String command = Cfn.flatten(template.path("Outputs").path("ConfigureVaultCommand").path("Value"));
        String publisherRole = Cfn.logicalId(synth.stack(), automation.publisher().role());
        assertThat(command).contains("--publisher-role-arn ${GetAtt:" + publisherRole + ".Arn}");
        assertThat(command.split("--publisher-role-arn", -1)).hasSize(2);
        assertThat(command.split("--read-role-arn", -1)).hasSize(2);
        // The handlers' tokens bound to the Lambdas' subnets: one --token-bound-cidr per private subnet, as output.
        String subnets = Cfn.flatten(template.path("Outputs").path("HandlerSubnetCidrs").path("Value"));
        assertThat(command.split("--token-bound-cidr", -1)).hasSize(subnets.split(",").length + 1);
        for (String cidr : subnets.split(",")) {
            assertThat(command).contains("--token-bound-cidr " + cidr);
        }
    }

    private static String groupArn(String name) {
        return "arn:${Ref:AWS::Partition}:autoscaling:${Ref:AWS::Region}:${Ref:AWS::AccountId}:autoScalingGroup:*:"
                + "autoScalingGroupName/" + name;
    }

    @SafeVarargs
    private static Set<String> union(Set<String>... sets) {
        Set<String> all = new java.util.TreeSet<>();
        for (Set<String> set : sets) {
            all.addAll(set);
        }
        return all;
    }
}
