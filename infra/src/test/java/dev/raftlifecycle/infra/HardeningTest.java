package dev.raftlifecycle.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.infra.TestStacks.Scenario;
import dev.raftlifecycle.infra.TestStacks.Synthesized;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * What the stack does to keep the cluster's keys, secrets, logs and first initialization to the principals and
 * networks meant to reach them (issue 30): the unseal key's policy, the secrets' resource policies, the encrypted
 * server log groups, the first-initialization window and the security alarms.
 */
class HardeningTest {

    private static final String CFN_EXEC_ROLE = "cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}";
    private static final String KEY_ADMIN = "arn:aws:iam::123456789012:role/vault-key-admin";
    private static final String BREAK_GLASS = "arn:aws:iam::123456789012:role/security/break-glass";
    private static final String PIPELINE_ROLE = "arn:aws:iam::123456789012:role/deploy-pipeline";

    private final Synthesized synth = TestStacks.get(Scenario.DEFAULT);
    private final Synthesized init = TestStacks.get(Scenario.INIT_WINDOW);

    private static Map<String, JsonNode> keyStatements(Synthesized s) {
        JsonNode key = Cfn.resource(s.json(), Cfn.logicalId(s.stack(), s.stack().unsealKey().key()));
        Map<String, JsonNode> bySid = new HashMap<>();
        key.path("Properties").path("KeyPolicy").path("Statement").forEach(st -> bySid.put(st.path("Sid").asText(), st));
        return bySid;
    }

    private static List<String> principals(JsonNode statement) {
        JsonNode aws = statement.path("Principal").path("AWS");
        List<String> values = new ArrayList<>();
        if (aws.isArray()) {
            aws.forEach(p -> values.add(Cfn.flatten(p)));
        } else {
            values.add(Cfn.flatten(aws));
        }
        return values;
    }

    private static boolean grants(List<String> actions, String action) {
        return actions.stream().anyMatch(a -> a.equals(action) || a.equals("kms:*")
                || a.endsWith("*") && action.startsWith(a.substring(0, a.length() - 1)));
    }

    @Test
    void theAccountRootOnlyReadsTheUnsealKey() {
        for (Synthesized s : List.of(synth, init)) {
            JsonNode root = keyStatements(s).get("AccountReadsButDoesNotUseOrAdminister");
            assertThat(principals(root)).singleElement().asString().endsWith(":root");
            List<String> actions = Cfn.strings(root.path("Action"));
            assertThat(actions).containsExactlyInAnyOrderElementsOf(UnsealKey.ACCOUNT_READ_ACTIONS);
            for (String forbidden : concat(UnsealKey.DESTRUCTIVE_ACTIONS, UnsealKey.NEVER_GRANTED)) {
                assertThat(grants(actions, forbidden)).as(s.name() + ": root may " + forbidden).isFalse();
            }
        }
    }

    @Test
    void byDefaultTheCloudFormationExecutionRoleIsTheOnlyKeyAdministrator() {
        Map<String, JsonNode> statements = keyStatements(synth);
        assertThat(statements.keySet()).containsExactlyInAnyOrder("AccountReadsButDoesNotUseOrAdminister",
                "KeyAdministrators", "VaultServersSealAndUnsealFromTheClusterVpc");
        JsonNode admins = statements.get("KeyAdministrators");
        assertThat(principals(admins)).containsExactly("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/"
                + CFN_EXEC_ROLE);
        assertThat(admins.path("Principal").path("AWS").has("Fn::Sub")).as("placeholders filled by CloudFormation")
                .isTrue();
        List<String> actions = Cfn.strings(admins.path("Action"));
        assertThat(actions).contains("kms:PutKeyPolicy", "kms:DisableKey", "kms:ScheduleKeyDeletion");
        UnsealKey.NEVER_GRANTED.forEach(a -> assertThat(grants(actions, a)).as(a).isFalse());
    }

    @Test
    void namedKeyAdminsHoldTheDestructiveActionsAndCloudFormationOnlyWhatADeployNeeds() {
        Map<String, JsonNode> statements = keyStatements(init);
        assertThat(principals(statements.get("KeyAdministrators"))).containsExactlyInAnyOrder(KEY_ADMIN, BREAK_GLASS);
        JsonNode deploy = statements.get("CloudFormationDeploysTheKey");
        // The role CloudFormation runs as in that scenario (cloudFormationRoleArn), not the bootstrap's: KMS's lockout
        // check would refuse a key policy that does not let that role put one again.
        assertThat(principals(deploy)).containsExactly(PIPELINE_ROLE);
        List<String> deployActions = Cfn.strings(deploy.path("Action"));
        assertThat(deployActions).containsExactlyInAnyOrderElementsOf(UnsealKey.DEPLOY_ACTIONS);
        // The lockout safety check: the principal creating the key must be able to call PutKeyPolicy again.
        assertThat(deployActions).contains("kms:PutKeyPolicy");
        for (String destructive : List.of("kms:DisableKey", "kms:ScheduleKeyDeletion", "kms:DisableKeyRotation",
                "kms:CancelKeyDeletion", "kms:CreateGrant", "kms:Decrypt", "kms:Encrypt")) {
            assertThat(grants(deployActions, destructive)).as(destructive).isFalse();
        }
        // Only the server role may use the key, whoever administers it.
        for (JsonNode statement : statements.values()) {
            boolean use = Cfn.strings(statement.path("Action")).stream().anyMatch(a -> a.equals("kms:Decrypt")
                    || a.equals("kms:Encrypt"));
            assertThat(use).as(statement.path("Sid").asText())
                    .isEqualTo(statement.path("Sid").asText().equals("VaultServersSealAndUnsealFromTheClusterVpc"));
        }
    }

    @Test
    void withoutTheBootstrapsExecutionRoleTheKeyAdminsMustBeNamed() {
        software.amazon.awscdk.App app = new software.amazon.awscdk.App();
        software.amazon.awscdk.Stack stack = new software.amazon.awscdk.Stack(app, "CallerCredentials",
                software.amazon.awscdk.StackProps.builder()
                        .synthesizer(new software.amazon.awscdk.CliCredentialsStackSynthesizer()).build());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new UnsealKey(stack, "Unnamed",
                        new UnsealKey.Props("c", List.of())))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("keyAdmins: this stack's synthesizer (CliCredentialsStackSynthesizer) deploys "
                        + "without the bootstrap's CloudFormation execution role");
        UnsealKey named = new UnsealKey(stack, "Named", new UnsealKey.Props("c", List.of(KEY_ADMIN)));
        assertThat(named.deployRoleArn()).isNull();
        JsonNode template = new ObjectMapper().valueToTree(
                software.amazon.awscdk.assertions.Template.fromStack(stack).toJSON());
        JsonNode policy = Cfn.resource(template, Cfn.logicalId(stack, named.key())).path("Properties").path("KeyPolicy");
        List<String> sids = new ArrayList<>();
        policy.path("Statement").forEach(st -> sids.add(st.path("Sid").asText()));
        assertThat(sids).containsExactly("AccountReadsButDoesNotUseOrAdminister", "KeyAdministrators");
        assertThat(policy.path("Statement").get(1).path("Principal").path("AWS").asText()).isEqualTo(KEY_ADMIN);
    }

    @Test
    void theServersUseTheKeyOnlyWithCredentialsDeliveredInTheClusterVpc() {
        JsonNode seal = keyStatements(synth).get("VaultServersSealAndUnsealFromTheClusterVpc");
        String serverRole = Cfn.logicalId(synth.stack(), synth.stack().servers().role());
        assertThat(principals(seal)).containsExactly("${GetAtt:" + serverRole + ".Arn}");
        assertThat(Cfn.strings(seal.path("Action"))).containsExactlyInAnyOrderElementsOf(UnsealKey.SEAL_ACTIONS);
        String vpc = Cfn.logicalId(synth.stack(), (software.constructs.IConstruct) synth.stack().network().vpc());
        assertThat(Cfn.flatten(seal.path("Condition").path("StringEquals").path(UnsealKey.SOURCE_VPC_CONDITION)))
                .isEqualTo("${Ref:" + vpc + "}");

        Synthesized existing = TestStacks.get(Scenario.EXISTING_VPC_ENTERPRISE);
        assertThat(keyStatements(existing).get("VaultServersSealAndUnsealFromTheClusterVpc").path("Condition")
                .path("StringEquals").path(UnsealKey.SOURCE_VPC_CONDITION).asText()).isEqualTo("vpc-0123456789abcdef0");
    }

    @Test
    void thePublisherDescribesTheUnsealKeyAndIsToldWhichItIs() throws Exception {
        String keyArn = "${GetAtt:" + Cfn.logicalId(synth.stack(), synth.stack().unsealKey().key()) + ".Arn}";
        LifecycleAutomation automation = synth.stack().automation();
        for (LifecycleAutomation.Handler handler : automation.handlers()) {
            List<JsonNode> statements = Cfn.identityStatements(synth.json(),
                    Cfn.logicalId(synth.stack(), handler.role()));
            JsonNode env = Cfn.resource(synth.json(), Cfn.logicalId(synth.stack(), handler.function()))
                    .path("Properties").path("Environment").path("Variables");
            if (handler == automation.publisher()) {
                List<JsonNode> describe = Cfn.allowing(statements, "kms:DescribeKey");
                assertThat(describe).singleElement();
                assertThat(Cfn.strings(describe.get(0).path("Action"))).containsExactly("kms:DescribeKey");
                assertThat(Cfn.flatten(describe.get(0).path("Resource"))).isEqualTo(keyArn);
                assertThat(Cfn.flatten(env.path(Settings.UNSEAL_KEY_ID))).isEqualTo(keyArn);
            } else {
                assertThat(Cfn.actions(statements)).as(handler.function().getNode().getId())
                        .noneMatch(a -> a.startsWith("kms:"));
                assertThat(env.has(Settings.UNSEAL_KEY_ID)).isFalse();
            }
        }
        // Consul has no unseal key: nothing to describe.
        Synthesized consul = TestStacks.get(Scenario.CONSUL);
        for (LifecycleAutomation.Handler handler : consul.stack().automation().handlers()) {
            assertThat(Cfn.resource(consul.json(), Cfn.logicalId(consul.stack(), handler.function())).path("Properties")
                    .path("Environment").path("Variables").has(Settings.UNSEAL_KEY_ID)).isFalse();
        }
        // The rig's roles are built from the exported policies: the publisher's DescribeKey is among them.
        JsonNode exported = HandlerPolicies.export(synth.json(), synth.stack(), synth.config());
        List<String> publisherActions = new ArrayList<>();
        exported.path("handlers").path("publisher").forEach(st -> st.path("Action")
                .forEach(a -> publisherActions.add(a.asText())));
        assertThat(publisherActions).contains("kms:DescribeKey");
        exported.path("handlers").path("publisher").forEach(st -> {
            if (Cfn.strings(st.path("Action")).contains("kms:DescribeKey")) {
                assertThat(Cfn.strings(st.path("Resource"))).containsExactly(keyArn);
            }
        });
    }

    /** The resource policy of the secret, by its SecretId as written. */
    private static JsonNode secretPolicy(Synthesized s, String secretId) {
        for (JsonNode policy : Cfn.resources(s.json(), "AWS::SecretsManager::ResourcePolicy").values()) {
            if (Cfn.flatten(policy.path("Properties").path("SecretId")).equals(secretId)) {
                return policy.path("Properties");
            }
        }
        throw new AssertionError("no resource policy on " + secretId);
    }

    private static JsonNode statement(JsonNode policy, String sid) {
        for (JsonNode st : policy.path("ResourcePolicy").path("Statement")) {
            if (st.path("Sid").asText().equals(sid)) {
                return st;
            }
        }
        throw new AssertionError("no statement " + sid + " in " + policy);
    }

    private static List<String> exceptFor(JsonNode deny) {
        List<String> values = new ArrayList<>();
        deny.path("Condition").path("StringNotEquals").path("aws:PrincipalArn").forEach(v -> values.add(Cfn.flatten(v)));
        return values;
    }

    @Test
    void onlyTheServerRoleAndBreakGlassMayReadTheTlsSecret() {
        for (Synthesized s : List.of(synth, init)) {
            String serverRole = "${GetAtt:" + Cfn.logicalId(s.stack(), s.stack().servers().role()) + ".Arn}";
            JsonNode policy = secretPolicy(s, s.config().tlsSecret());
            assertThat(policy.path("BlockPublicPolicy").asBoolean()).isTrue();
            JsonNode read = statement(policy, "OnlyServersAndBreakGlassReadTheValue");
            assertThat(read.path("Effect").asText()).isEqualTo("Deny");
            assertThat(read.path("Principal").path("AWS").asText()).isEqualTo("*");
            assertThat(Cfn.strings(read.path("Action"))).containsExactly(ServerGroups.SECRET_READ_ACTION);
            assertThat(exceptFor(read)).containsExactlyInAnyOrderElementsOf(s == init
                    ? List.of(serverRole, BREAK_GLASS) : List.of(serverRole));
            JsonNode write = statement(policy, "OnlyBreakGlassAndCloudFormationWriteTheValue");
            assertThat(write.path("Effect").asText()).isEqualTo("Deny");
            assertThat(Cfn.strings(write.path("Action"))).containsExactlyInAnyOrderElementsOf(
                    ServerGroups.SECRET_WRITE_ACTIONS).doesNotContain(ServerGroups.SECRET_READ_ACTION);
            // The servers never write the secret; CloudFormation keeps managing the policy (not denied here).
            assertThat(exceptFor(write)).doesNotContain(serverRole).anyMatch(p -> s == init ? p.equals(PIPELINE_ROLE)
                    : p.endsWith(CFN_EXEC_ROLE));
            assertThat(exceptFor(write).contains(BREAK_GLASS)).isEqualTo(s == init);
            assertThat(Cfn.strings(write.path("Action"))).noneMatch(a -> a.contains("ResourcePolicy")
                    || a.equals("secretsmanager:DeleteSecret") || a.equals("secretsmanager:DescribeSecret"));
        }
    }

    @Test
    void consulSecretsAreReadableByTheServersAndBreakGlassOnlyAndTheManagementTokenIsGenerated() throws Exception {
        Synthesized consul = TestStacks.get(Scenario.CONSUL_EXISTING_VPC);
        String serverRole = "${GetAtt:" + Cfn.logicalId(consul.stack(), consul.stack().servers().role()) + ".Arn}";
        String operator = "arn:aws:iam::123456789012:role/consul-operator";
        for (String secret : List.of(consul.config().tlsSecret(), consul.config().gossipKeySecret())) {
            assertThat(exceptFor(statement(secretPolicy(consul, secret), "OnlyServersAndBreakGlassReadTheValue")))
                    .as(secret).containsExactlyInAnyOrder(serverRole, operator);
        }
        JsonNode token = Cfn.resources(consul.json(), "AWS::SecretsManager::Secret").values().iterator().next();
        assertThat(Cfn.resources(consul.json(), "AWS::SecretsManager::Secret")).hasSize(1);
        JsonNode generate = token.path("Properties").path("GenerateSecretString");
        assertThat(generate.path("PasswordLength").asInt()).isEqualTo(ServerGroups.CONSUL_TOKEN_LENGTH);
        assertThat(generate.path("ExcludeUppercase").asBoolean()).isTrue();
        assertThat(generate.path("ExcludePunctuation").asBoolean()).isTrue();
        // What remains of lowercase letters and digits is hexadecimal.
        Set<Character> left = new TreeSet<>();
        for (char c = 'a'; c <= 'z'; c++) {
            if (generate.path("ExcludeCharacters").asText().indexOf(c) < 0) {
                left.add(c);
            }
        }
        assertThat(left).containsExactly('a', 'b', 'c', 'd', 'e', 'f');
        String tokenRef = "${Ref:" + Cfn.logicalId(consul.stack(), consul.stack().servers().consulManagementToken()
                .orElseThrow()) + "}";
        assertThat(exceptFor(statement(secretPolicy(consul, tokenRef), "OnlyServersAndBreakGlassReadTheValue")))
                .containsExactlyInAnyOrder(serverRole, operator);
        JsonNode vars = firstBootVariables(consul);
        assertThat(vars.path(ServerGroups.CONSUL_INITIAL_MANAGEMENT_TOKEN_VARIABLE).asText()).isEqualTo(tokenRef);
        assertThat(consul.json().path("Outputs").path("ConsulInitialManagementTokenSecretArn").path("Value")
                .path("Ref").asText()).isEqualTo(tokenRef.substring(6, tokenRef.length() - 1));
        // A Vault stack generates no secret.
        assertThat(Cfn.resources(synth.json(), "AWS::SecretsManager::Secret")).isEmpty();
        // Without break-glass principals nobody but the servers could read the token: the synth says so.
        software.amazon.awscdk.assertions.Annotations.fromStack(TestStacks.get(Scenario.CONSUL).stack()).hasWarning("*",
                software.amazon.awscdk.assertions.Match.stringLikeRegexp(".*No breakGlassPrincipals.*"));
        software.amazon.awscdk.assertions.Annotations.fromStack(consul.stack()).hasNoWarning("*",
                software.amazon.awscdk.assertions.Match.stringLikeRegexp(".*No breakGlassPrincipals.*"));
    }

    private static JsonNode firstBootVariables(Synthesized s) throws Exception {
        String userData = Cfn.flatten(Cfn.resources(s.json(), "AWS::EC2::LaunchTemplate").values().iterator().next()
                .path("Properties").path("LaunchTemplateData").path("UserData"));
        return new ObjectMapper().readTree(userData.substring(userData.indexOf("<<'RAFT_LIFECYCLE_FIRSTBOOT'\n") + 29,
                userData.indexOf("\nRAFT_LIFECYCLE_FIRSTBOOT\n")));
    }

    @Test
    void serverLogGroupsAreEncryptedKeptAndTheOnlyLogsTheServersMayWrite() throws Exception {
        for (Synthesized s : List.of(synth, TestStacks.get(Scenario.CONSUL))) {
            ServerLogs logs = s.stack().serverLogs();
            String cluster = s.config().clusterName();
            List<String> expected = s.config().consul() ? List.of("/raft-lifecycle/" + cluster + "/journal")
                    : List.of("/raft-lifecycle/" + cluster + "/audit", "/raft-lifecycle/" + cluster + "/journal");
            String keyId = Cfn.logicalId(s.stack(), logs.key());
            List<String> groupArns = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (var group : logs.groups()) {
                JsonNode resource = Cfn.resource(s.json(), Cfn.logicalId(s.stack(), group));
                names.add(resource.path("Properties").path("LogGroupName").asText());
                assertThat(Cfn.flatten(resource.path("Properties").path("KmsKeyId"))).isEqualTo("${GetAtt:" + keyId + ".Arn}");
                assertThat(resource.path("Properties").path("RetentionInDays").asInt()).isEqualTo(s.config().logRetentionDays());
                assertThat(resource.path("DeletionPolicy").asText()).isEqualTo("Retain");
                groupArns.add("${GetAtt:" + Cfn.logicalId(s.stack(), group) + ".Arn}");
            }
            assertThat(names).containsExactlyElementsOf(expected);
            JsonNode key = Cfn.resource(s.json(), keyId);
            assertThat(key.path("Properties").path("EnableKeyRotation").asBoolean()).isTrue();
            assertThat(key.path("DeletionPolicy").asText()).isEqualTo("Retain");
            JsonNode logsService = null;
            for (JsonNode st : key.path("Properties").path("KeyPolicy").path("Statement")) {
                if (Cfn.flatten(st.path("Principal").path("Service")).startsWith("logs.")) {
                    logsService = st;
                }
            }
            assertThat(logsService).as("the CloudWatch Logs service may use the key").isNotNull();
            assertThat(Cfn.flatten(logsService.path("Principal").path("Service")))
                    .isEqualTo("logs.${Ref:AWS::Region}.amazonaws.com");
            assertThat(Cfn.flatten(logsService.path("Condition").path("ArnLike").path("kms:EncryptionContext:aws:logs:arn")))
                    .endsWith(":log-group:/raft-lifecycle/" + cluster + "/*");

            // The server role writes to exactly these groups, with the agent's three actions, and to no other.
            List<JsonNode> statements = Cfn.identityStatements(s.json(), Cfn.logicalId(s.stack(), s.stack().servers().role()));
            List<JsonNode> logStatements = statements.stream()
                    .filter(st -> Cfn.strings(st.path("Action")).stream().anyMatch(a -> a.startsWith("logs:"))).toList();
            assertThat(logStatements).singleElement();
            assertThat(Cfn.strings(logStatements.get(0).path("Action")))
                    .containsExactlyInAnyOrderElementsOf(ServerLogs.AGENT_ACTIONS);
            List<String> resources = new ArrayList<>();
            JsonNode resource = logStatements.get(0).path("Resource");
            if (resource.isArray()) {
                resource.forEach(r -> resources.add(Cfn.flatten(r)));
            } else {
                resources.add(Cfn.flatten(resource));
            }
            assertThat(resources).containsExactlyInAnyOrderElementsOf(groupArns);

            JsonNode vars = firstBootVariables(s);
            if (s.config().consul()) {
                assertThat(vars.path("consul_node_journal_log_group").asText()).isEqualTo(expected.get(0));
            } else {
                assertThat(vars.path("vault_node_audit_log_group").asText()).isEqualTo(expected.get(0));
                assertThat(vars.path("vault_node_journal_log_group").asText()).isEqualTo(expected.get(1));
            }
        }
    }

    @Test
    void theLoadBalancerSuppressionPointsToAnAuditLogThatExists() {
        JsonNode lb = Cfn.resource(synth.json(), Cfn.logicalId(synth.stack(), synth.stack().loadBalancer().loadBalancer()));
        String reason = "";
        for (JsonNode rule : lb.path("Metadata").path("cdk_nag").path("rules_to_suppress")) {
            if (rule.path("id").asText().equals("AwsSolutions-ELB2")) {
                reason = rule.path("reason").asText();
            }
        }
        assertThat(reason).contains("Vault's audit device").contains(ServerLogs.groupName("vault", ServerLogs.AUDIT));
        assertThat(synth.stack().serverLogs().audit()).isNotNull();
    }

    /** The CIDRs the security group admits on the port, by the group's logical id. */
    private static List<String> ingressCidrs(Synthesized s, String groupLogicalId, int port) {
        List<String> cidrs = new ArrayList<>();
        JsonNode group = Cfn.resource(s.json(), groupLogicalId);
        group.path("Properties").path("SecurityGroupIngress").forEach(rule -> {
            if (rule.path("FromPort").asInt() == port && rule.has("CidrIp")) {
                cidrs.add(rule.path("CidrIp").asText());
            }
        });
        Cfn.resources(s.json(), "AWS::EC2::SecurityGroupIngress").values().forEach(rule -> {
            JsonNode p = rule.path("Properties");
            if (p.path("FromPort").asInt() == port && p.has("CidrIp")
                    && p.path("GroupId").path("Fn::GetAtt").path(0).asText().equals(groupLogicalId)) {
                cidrs.add(p.path("CidrIp").asText());
            }
        });
        return cidrs;
    }

    @Test
    void whileInitCidrsIsSetOnlyTheyReachTheApiAndAnInitializedClusterAlarms() {
        for (Synthesized s : List.of(synth, init)) {
            String servers = Cfn.logicalId(s.stack(), s.stack().servers().securityGroup());
            String lb = Cfn.logicalId(s.stack(), s.stack().loadBalancer().securityGroup());
            List<String> expected = s == init ? List.of("203.0.113.10/32") : List.of("10.64.0.0/16");
            assertThat(ingressCidrs(s, servers, 8200)).as(s.name()).containsExactlyElementsOf(expected);
            assertThat(ingressCidrs(s, lb, 8200)).as(s.name()).containsExactlyElementsOf(expected);
            // The handlers keep their path to the servers (the publisher sees the initialization happen).
            String lambdas = Cfn.logicalId(s.stack(), s.stack().automation().securityGroup());
            assertThat(Cfn.resources(s.json(), "AWS::EC2::SecurityGroupIngress").values()).anySatisfy(rule -> {
                assertThat(rule.path("Properties").path("SourceSecurityGroupId").path("Fn::GetAtt").path(0).asText())
                        .isEqualTo(lambdas);
                assertThat(rule.path("Properties").path("GroupId").path("Fn::GetAtt").path(0).asText()).isEqualTo(servers);
            });

            JsonNode alarm = alarms(s).get(s.config().clusterName() + "-initialized-during-init-window");
            if (s == synth) {
                assertThat(alarm).as("no init window, no alarm").isNull();
                continue;
            }
            assertThat(alarm.path("MetricName").asText()).isEqualTo(MetricName.CLUSTER_INITIALIZED.metricName());
            assertThat(alarm.path("ComparisonOperator").asText()).isEqualTo("GreaterThanOrEqualToThreshold");
            assertThat(alarm.path("Threshold").asDouble()).isEqualTo(1.0);
            assertThat(alarm.path("TreatMissingData").asText()).isEqualTo("notBreaching");
            assertThat(alarm.path("AlarmDescription").asText()).contains("deploy again without initCidrs")
                    .contains("someone else holds the root token")
                    .endsWith(RunbookSection.INITIALIZED_DURING_INIT_WINDOW.reference());
        }
    }

    private static Map<String, JsonNode> alarms(Synthesized s) {
        Map<String, JsonNode> byName = new HashMap<>();
        Cfn.resources(s.json(), "AWS::CloudWatch::Alarm").values()
                .forEach(a -> byName.put(a.path("Properties").path("AlarmName").asText(), a.path("Properties")));
        return byName;
    }

    @Test
    void certificateAndUnsealKeyAlarmsFireOnWhatTheyMean() {
        Map<String, JsonNode> alarms = alarms(synth);
        JsonNode tls = alarms.get("vault-tls-failures");
        assertThat(tls.path("MetricName").asText()).isEqualTo(MetricName.TLS_FAILURES.metricName());
        assertThat(tls.path("ComparisonOperator").asText()).isEqualTo("GreaterThanOrEqualToThreshold");
        assertThat(tls.path("Threshold").asDouble()).isEqualTo(1.0);
        JsonNode expiry = alarms.get("vault-certificate-expiry");
        assertThat(expiry.path("MetricName").asText()).isEqualTo(MetricName.CERTIFICATE_DAYS_LEFT.metricName());
        assertThat(expiry.path("ComparisonOperator").asText()).isEqualTo("LessThanThreshold");
        assertThat(expiry.path("Threshold").asDouble()).isEqualTo(14.0);
        assertThat(expiry.path("Statistic").asText()).isEqualTo("Minimum");
        JsonNode key = alarms.get("vault-unseal-key-unusable");
        assertThat(key.path("MetricName").asText()).isEqualTo(MetricName.UNSEAL_KEY_USABLE.metricName());
        assertThat(key.path("ComparisonOperator").asText()).isEqualTo("LessThanThreshold");
        assertThat(key.path("Threshold").asDouble()).isEqualTo(1.0);
        assertThat(key.path("TreatMissingData").asText()).as("silence means nobody vouches for the key")
                .isEqualTo("breaching");
        // Consul: the certificate alarms, no unseal key alarm.
        Map<String, JsonNode> consul = alarms(TestStacks.get(Scenario.CONSUL));
        assertThat(consul).containsKeys("consul-tls-failures", "consul-certificate-expiry")
                .doesNotContainKey("consul-unseal-key-unusable");
    }

    @Test
    void handlerSubnetCidrsAreTheLambdasSubnetsOrTheExistingVpcsRange() throws Exception {
        String output = synth.json().path("Outputs").path("HandlerSubnetCidrs").path("Value").asText();
        List<String> subnets = new ArrayList<>();
        for (var subnet : synth.stack().network().privateSubnets()) {
            subnets.add(Cfn.resource(synth.json(), Cfn.logicalId(synth.stack(), subnet)).path("Properties")
                    .path("CidrBlock").asText());
        }
        assertThat(subnets).hasSize(3).allMatch(c -> c.startsWith("10.64."));
        assertThat(List.of(output.split(","))).containsExactlyElementsOf(subnets);
        assertThat(TestStacks.get(Scenario.EXISTING_VPC_ENTERPRISE).json().path("Outputs").path("HandlerSubnetCidrs")
                .path("Value").asText()).isEqualTo("10.20.0.0/16");
        assertThat(Files.readString(TestStacks.infraDir().resolve("README.md"))).contains("HandlerSubnetCidrs")
                .contains("--token-bound-cidr");
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
