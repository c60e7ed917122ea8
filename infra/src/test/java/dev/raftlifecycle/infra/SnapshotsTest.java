package dev.raftlifecycle.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.contract.HandlerNames;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.contract.VaultAccess;
import dev.raftlifecycle.infra.TestStacks.Scenario;
import dev.raftlifecycle.infra.TestStacks.Synthesized;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Raft snapshots to S3 (issue 31): the bucket and its key, who may write, read and delete, the snapshot function and
 * its schedule, the publisher's listing, the snapshot-age alarm, and the context values that drive them.
 */
class SnapshotsTest {

    private static final String BREAK_GLASS = "arn:aws:iam::123456789012:role/security/break-glass";

    private final Synthesized synth = TestStacks.get(Scenario.DEFAULT);
    /** snapshotIntervalMinutes 0 (on demand only), snapshotRetentionDays 7. */
    private final Synthesized onDemand = TestStacks.get(Scenario.EVEN_VOTERS);
    /** snapshotIntervalMinutes 15, snapshotRetentionDays 1, break-glass principals named. */
    private final Synthesized init = TestStacks.get(Scenario.INIT_WINDOW);

    @TempDir
    Path dir;

    private static String id(Synthesized s, software.constructs.IConstruct construct) {
        return Cfn.logicalId(s.stack(), construct);
    }

    private static JsonNode bucket(Synthesized s) {
        return Cfn.resource(s.json(), id(s, s.stack().snapshots().bucket()));
    }

    private static String bucketArn(Synthesized s) {
        return "${GetAtt:" + id(s, s.stack().snapshots().bucket()) + ".Arn}";
    }

    private static String roleArn(Synthesized s, LifecycleAutomation.Handler handler) {
        return "${GetAtt:" + id(s, handler.role()) + ".Arn}";
    }

    private static Map<String, JsonNode> bucketPolicy(Synthesized s) {
        String bucketRef = "${Ref:" + id(s, s.stack().snapshots().bucket()) + "}";
        for (JsonNode policy : Cfn.resources(s.json(), "AWS::S3::BucketPolicy").values()) {
            if (Cfn.flatten(policy.path("Properties").path("Bucket")).equals(bucketRef)) {
                Map<String, JsonNode> bySid = new HashMap<>();
                policy.path("Properties").path("PolicyDocument").path("Statement")
                        .forEach(st -> bySid.put(st.path("Sid").asText(st.path("Condition").toString()), st));
                return bySid;
            }
        }
        throw new AssertionError("no bucket policy on the snapshot bucket");
    }

    private static Map<String, JsonNode> keyPolicy(Synthesized s) {
        JsonNode key = Cfn.resource(s.json(), id(s, s.stack().snapshots().key()));
        Map<String, JsonNode> bySid = new HashMap<>();
        key.path("Properties").path("KeyPolicy").path("Statement").forEach(st -> bySid.put(st.path("Sid").asText(), st));
        return bySid;
    }

    private static List<String> exceptFor(JsonNode deny) {
        List<String> values = new ArrayList<>();
        deny.path("Condition").path("StringNotEquals").path("aws:PrincipalArn").forEach(v -> values.add(Cfn.flatten(v)));
        return values;
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

    private static Map<String, String> environment(Synthesized s, LifecycleAutomation.Handler handler) {
        Map<String, String> env = new HashMap<>();
        Cfn.resource(s.json(), id(s, handler.function())).path("Properties").path("Environment").path("Variables")
                .properties().forEach(e -> env.put(e.getKey(), Cfn.flatten(e.getValue())));
        return env;
    }

    /** Every role of the stack (its logical id) to the actions its identity policies allow. */
    private static Map<String, Set<String>> actionsByRole(Synthesized s) {
        Map<String, Set<String>> byRole = new HashMap<>();
        for (String role : Cfn.resources(s.json(), "AWS::IAM::Role").keySet()) {
            byRole.put(role, Cfn.actions(Cfn.identityStatements(s.json(), role)));
        }
        return byRole;
    }

    @Test
    void theBucketIsEncryptedWithItsOwnKeyVersionedPrivateTlsOnlyAndRetained() {
        for (Synthesized s : List.of(synth, onDemand, init, TestStacks.get(Scenario.CONSUL))) {
            JsonNode bucket = bucket(s);
            JsonNode p = bucket.path("Properties");
            JsonNode sse = p.path("BucketEncryption").path("ServerSideEncryptionConfiguration").get(0);
            assertThat(sse.path("ServerSideEncryptionByDefault").path("SSEAlgorithm").asText()).isEqualTo("aws:kms");
            assertThat(Cfn.flatten(sse.path("ServerSideEncryptionByDefault").path("KMSMasterKeyID")))
                    .isEqualTo("${GetAtt:" + id(s, s.stack().snapshots().key()) + ".Arn}");
            assertThat(sse.path("BucketKeyEnabled").asBoolean()).isTrue();
            assertThat(p.path("VersioningConfiguration").path("Status").asText()).isEqualTo("Enabled");
            JsonNode block = p.path("PublicAccessBlockConfiguration");
            for (String flag : List.of("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls",
                    "RestrictPublicBuckets")) {
                assertThat(block.path(flag).asBoolean()).as(flag).isTrue();
            }
            assertThat(p.path("OwnershipControls").path("Rules").get(0).path("ObjectOwnership").asText())
                    .isEqualTo("BucketOwnerEnforced");
            assertThat(bucket.path("DeletionPolicy").asText()).isEqualTo("Retain");
            assertThat(bucket.path("UpdateReplacePolicy").asText()).isEqualTo("Retain");
            JsonNode key = Cfn.resource(s.json(), id(s, s.stack().snapshots().key()));
            assertThat(key.path("Properties").path("EnableKeyRotation").asBoolean()).isTrue();
            assertThat(key.path("DeletionPolicy").asText()).isEqualTo("Retain");
            // TLS only: the CDK's enforceSSL statement.
            JsonNode tls = bucketPolicy(s).values().stream()
                    .filter(st -> st.path("Condition").path("Bool").has("aws:SecureTransport")).findFirst().orElseThrow();
            assertThat(tls.path("Effect").asText()).isEqualTo("Deny");
            assertThat(tls.path("Condition").path("Bool").path("aws:SecureTransport").asText()).isEqualTo("false");
        }
    }

    @Test
    void theLifecycleRuleExpiresSnapshotsAndVersionsAfterTheRetentionAndAbortsUnfinishedUploads() {
        record Expected(Synthesized s, int days) {
        }
        for (Expected e : List.of(new Expected(synth, 30), new Expected(onDemand, 7), new Expected(init, 1))) {
            JsonNode rules = bucket(e.s()).path("Properties").path("LifecycleConfiguration").path("Rules");
            assertThat(rules).hasSize(2);
            JsonNode rule = rules.get(0);
            assertThat(rules.get(1).path("ExpiredObjectDeleteMarker").asBoolean()).isTrue();
            assertThat(rules.get(1).path("Status").asText()).isEqualTo("Enabled");
            assertThat(rule.path("Status").asText()).isEqualTo("Enabled");
            assertThat(rule.path("ExpirationInDays").asInt()).isEqualTo(e.days());
            assertThat(rule.path("NoncurrentVersionExpiration").path("NoncurrentDays").asInt()).isEqualTo(e.days());
            assertThat(rule.path("AbortIncompleteMultipartUpload").path("DaysAfterInitiation").asInt()).isEqualTo(1);
            assertThat(rule.has("Prefix")).as("the whole bucket").isFalse();
        }
    }

    @Test
    void theSnapshotFunctionHasExactlyWhatItNeeds() {
        for (Synthesized s : List.of(synth, TestStacks.get(Scenario.CONSUL))) {
            LifecycleAutomation.Handler snapshot = s.stack().snapshots().function();
            List<JsonNode> statements = Cfn.identityStatements(s.json(), id(s, snapshot.role()));
            assertThat(Cfn.actions(statements)).containsExactlyInAnyOrder(
                    // its log group
                    "logs:CreateLogStream", "logs:PutLogEvents",
                    // the VPC network interfaces Lambda requires
                    "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
                    "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
                    // finding the servers, as every observer does
                    "autoscaling:DescribeAutoScalingGroups", "ec2:DescribeInstances",
                    // the multipart upload under its prefix
                    "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts",
                    // its on-failure destination
                    "sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl");
            List<JsonNode> write = Cfn.allowing(statements, "s3:PutObject");
            assertThat(write).singleElement();
            assertThat(write.get(0).path("Sid").asText()).isEqualTo("WriteSnapshotsOfThisCluster");
            assertThat(Cfn.strings(write.get(0).path("Action"))).containsExactlyInAnyOrderElementsOf(Snapshots.WRITE_ACTIONS);
            assertThat(Cfn.flatten(write.get(0).path("Resource")))
                    .isEqualTo(bucketArn(s) + "/snapshots/" + s.config().clusterName() + "/*");
            assertThat(write.get(0).has("Condition")).isFalse();
            // No lock and no lock-table record: it reads nothing but the nodes' health answers.
            assertThat(Cfn.actions(statements)).noneMatch(a -> a.startsWith("dynamodb:"));
            // The key is used through its key policy (KMS via S3), never by an identity policy.
            assertThat(Cfn.actions(statements)).noneMatch(a -> a.startsWith("kms:"));
        }
    }

    @Test
    void theSnapshotFunctionFollowsTheHandlersConventionsAndIsToldWhereToWrite() {
        for (Synthesized s : List.of(synth, TestStacks.get(Scenario.CONSUL))) {
            Snapshots snapshots = s.stack().snapshots();
            JsonNode p = Cfn.resource(s.json(), id(s, snapshots.function().function())).path("Properties");
            assertThat(p.path("Handler").asText()).isEqualTo(HandlerNames.SNAPSHOT);
            assertThat(p.path("Runtime").asText()).isEqualTo("java21");
            assertThat(Cfn.strings(p.path("Architectures"))).containsExactly("arm64");
            assertThat(p.path("Timeout").asInt()).isEqualTo(Snapshots.TIMEOUT_SECONDS);
            assertThat(p.path("MemorySize").asInt()).isEqualTo(LifecycleAutomation.MEMORY_MB);
            assertThat(p.path("ReservedConcurrentExecutions").asInt()).isEqualTo(1);
            assertThat(p.path("SnapStart").path("ApplyOn").asText()).isEqualTo("PublishedVersions");
            assertThat(Cfn.flatten(p.path("VpcConfig").path("SecurityGroupIds").get(0)))
                    .isEqualTo("${GetAtt:" + id(s, s.stack().automation().securityGroup()) + ".GroupId}");
            assertThat(p.path("VpcConfig").path("SubnetIds")).hasSize(3);
            assertThat(Cfn.flatten(p.path("LoggingConfig").path("LogGroup")))
                    .isEqualTo("${Ref:" + id(s, snapshots.function().logGroup()) + "}");
            Map<String, String> env = environment(s, snapshots.function());
            Map<String, String> publisherEnv = environment(s, s.stack().automation().publisher());
            String bucketRef = "${Ref:" + id(s, snapshots.bucket()) + "}";
            assertThat(env).containsEntry(LambdaEnvironment.SNAPSHOT_BUCKET, bucketRef)
                    .containsEntry(LambdaEnvironment.SNAPSHOT_KMS_KEY_ID,
                            "${GetAtt:" + id(s, snapshots.key()) + ".Arn}");
            assertThat(publisherEnv).containsEntry(LambdaEnvironment.SNAPSHOT_BUCKET, bucketRef)
                    .doesNotContainKey(LambdaEnvironment.SNAPSHOT_KMS_KEY_ID);
            if (s.config().consul()) {
                assertThat(env).doesNotContainKey(dev.raftlifecycle.config.Settings.VAULT_AUTH_ROLE);
            } else {
                assertThat(env).containsEntry(dev.raftlifecycle.config.Settings.VAULT_AUTH_ROLE,
                        VaultAccess.SNAPSHOT_ROLE);
            }
            // Only the publisher and the snapshot function learn where the snapshots are.
            for (LifecycleAutomation.Handler h : s.stack().automation().handlers()) {
                if (h != s.stack().automation().publisher()) {
                    assertThat(environment(s, h)).doesNotContainKey(LambdaEnvironment.SNAPSHOT_BUCKET);
                }
            }
        }
    }

    @Test
    void theFunctionsModuleAcceptsTheSnapshotFunctionsEnvironmentAndItFitsLambdasLimit() {
        for (Synthesized s : List.of(synth, TestStacks.get(Scenario.EXISTING_VPC_ENTERPRISE),
                TestStacks.get(Scenario.CONSUL_EXISTING_VPC))) {
            Map<String, String> env = new HashMap<>();
            Cfn.resource(s.json(), id(s, s.stack().snapshots().function().function())).path("Properties")
                    .path("Environment").path("Variables").properties().forEach(e -> env.put(e.getKey(),
                            // Deploy-time references become literals as long as the real ones can be: a bucket name
                            // of 63 characters, a key ARN.
                            e.getValue().isTextual() ? e.getValue().asText() : Cfn.flatten(e.getValue())
                                    .replace("${Ref:AWS::AccountId}", "123456789012")
                                    .replaceAll("\\$\\{GetAtt:SnapshotsKey[^}]*}", "arn:aws:kms:eu-west-1:123456789012:"
                                            + "key/11111111-2222-3333-4444-555555555555")
                                    .replaceAll("\\$\\{[^}]*}", "x".repeat(63))));
            env.put(dev.raftlifecycle.config.Settings.AWS_REGION, "eu-west-1");
            dev.raftlifecycle.config.Settings settings = dev.raftlifecycle.config.Settings.from(env);
            assertThat(settings.groupNames()).isEqualTo(s.config().groupNames());
            int size = env.entrySet().stream().mapToInt(e -> e.getKey().length() + e.getValue().length()).sum();
            assertThat(size).as("Lambda allows 4 KB of environment in total").isLessThan(4096 - 200);
        }
    }

    @Test
    void thePublisherListsTheClustersPrefixAndNothingElseOfTheBucket() {
        for (Synthesized s : List.of(synth, TestStacks.get(Scenario.CONSUL_EXISTING_VPC))) {
            List<JsonNode> statements = Cfn.identityStatements(s.json(), id(s, s.stack().automation().publisher().role()));
            assertThat(Cfn.actions(statements).stream().filter(a -> a.startsWith("s3:")))
                    .containsExactly("s3:ListBucket");
            JsonNode list = Cfn.allowing(statements, "s3:ListBucket").get(0);
            assertThat(list.path("Sid").asText()).isEqualTo("ListSnapshotsOfThisCluster");
            assertThat(Cfn.strings(list.path("Action"))).containsExactly("s3:ListBucket");
            assertThat(Cfn.flatten(list.path("Resource"))).isEqualTo(bucketArn(s));
            assertThat(list.path("Condition").toString()).isEqualTo("{\"StringLike\":{\"s3:prefix\":\"snapshots/"
                    + s.config().clusterName() + "/*\"}}");
        }
    }

    @Test
    void theScheduleIsTheIntervalInMinutesAndThereIsNoneAtZero() {
        record Expected(Synthesized s, String rate) {
        }
        for (Expected e : List.of(new Expected(synth, "rate(60 minutes)"), new Expected(init, "rate(15 minutes)"))) {
            List<JsonNode> rules = new ArrayList<>();
            String alias = "${Ref:" + id(e.s(), e.s().stack().snapshots().function().alias()) + "}";
            for (JsonNode rule : Cfn.resources(e.s().json(), "AWS::Events::Rule").values()) {
                for (JsonNode target : rule.path("Properties").path("Targets")) {
                    if (Cfn.flatten(target.path("Arn")).equals(alias)) {
                        rules.add(rule);
                    }
                }
            }
            assertThat(rules).singleElement();
            assertThat(rules.get(0).path("Properties").path("ScheduleExpression").asText()).isEqualTo(e.rate());
            assertThat(e.s().stack().snapshots().schedule()).isPresent();
        }
        assertThat(Snapshots.rate(1)).isEqualTo("rate(1 minute)");
        // snapshotIntervalMinutes 0: the function exists (on demand), nothing invokes it on a schedule.
        assertThat(onDemand.stack().snapshots().schedule()).isEmpty();
        String alias = "${Ref:" + id(onDemand, onDemand.stack().snapshots().function().alias()) + "}";
        for (JsonNode rule : Cfn.resources(onDemand.json(), "AWS::Events::Rule").values()) {
            rule.path("Properties").path("Targets")
                    .forEach(t -> assertThat(Cfn.flatten(t.path("Arn"))).isNotEqualTo(alias));
        }
    }

    @Test
    void theSnapshotAgeAlarmFiresAfterTwoIntervalsOnMissingDataToo() {
        record Expected(Synthesized s, int threshold) {
        }
        for (Expected e : List.of(new Expected(synth, 7200), new Expected(init, 1800))) {
            JsonNode alarm = Cfn.resources(e.s().json(), "AWS::CloudWatch::Alarm").values().stream()
                    .filter(a -> a.path("Properties").path("AlarmName").asText()
                            .equals(e.s().config().clusterName() + "-snapshot-age"))
                    .findFirst().orElseThrow();
            JsonNode p = alarm.path("Properties");
            assertThat(p.path("MetricName").asText()).isEqualTo(MetricName.SNAPSHOT_AGE_SECONDS.metricName());
            assertThat(p.path("Statistic").asText()).isEqualTo("Minimum");
            assertThat(p.path("Period").asInt()).isEqualTo(300);
            assertThat(p.path("ComparisonOperator").asText()).isEqualTo("GreaterThanThreshold");
            assertThat(p.path("Threshold").asInt()).isEqualTo(e.threshold());
            assertThat(p.path("EvaluationPeriods").asInt()).isEqualTo(3);
            assertThat(p.path("DatapointsToAlarm").asInt()).isEqualTo(2);
            assertThat(p.path("TreatMissingData").asText()).isEqualTo("breaching");
            assertThat(p.path("AlarmDescription").asText()).endsWith("Runbook: RUNBOOK.md#snapshot-age");
            // A roll does not start without a recent restore point.
            assertThat(e.s().stack().monitoring().gateAlarmNames())
                    .contains(e.s().config().clusterName() + "-snapshot-age");
        }
        // No schedule, no age to expect: no alarm (the dashboard still shows the age).
        assertThat(Cfn.resources(onDemand.json(), "AWS::CloudWatch::Alarm").values())
                .noneMatch(a -> a.path("Properties").path("AlarmName").asText().endsWith("-snapshot-age"));
        assertThat(onDemand.stack().monitoring().gateAlarmNames()).noneMatch(n -> n.endsWith("-snapshot-age"));
        // ... and the synth says so.
        software.amazon.awscdk.assertions.Annotations.fromStack(onDemand.stack()).hasInfo("*",
                software.amazon.awscdk.assertions.Match.stringLikeRegexp(
                        ".*snapshotIntervalMinutes is 0: no scheduled snapshots and no snapshot-age alarm.*"));
    }

    @Test
    void theStackNamesTheBucketAndTheFunction() {
        for (Synthesized s : List.of(synth, TestStacks.get(Scenario.CONSUL))) {
            JsonNode outputs = s.json().path("Outputs");
            assertThat(Cfn.flatten(outputs.path("SnapshotBucketName").path("Value")))
                    .isEqualTo("${Ref:" + id(s, s.stack().snapshots().bucket()) + "}");
            assertThat(Cfn.flatten(outputs.path("SnapshotFunctionName").path("Value")))
                    .isEqualTo("${Ref:" + id(s, s.stack().snapshots().function().function()) + "}");
            assertThat(Cfn.flatten(outputs.path("SnapshotRoleArn").path("Value")))
                    .isEqualTo(roleArn(s, s.stack().snapshots().function()));
        }
    }

    @Test
    void aNewVpcSendsTheUploadsThroughAnS3GatewayEndpointNotTheNatGateways() {
        List<String> services = new ArrayList<>();
        Cfn.resources(synth.json(), "AWS::EC2::VPCEndpoint").values().forEach(e -> services.add(
                Cfn.flatten(e.path("Properties").path("ServiceName")) + " " + e.path("Properties").path("VpcEndpointType")
                        .asText("Gateway")));
        assertThat(services).contains("com.amazonaws.${Ref:AWS::Region}.s3 Gateway",
                "com.amazonaws.${Ref:AWS::Region}.dynamodb Gateway");
    }

    // Hardening: who may write, read and delete snapshots, and use their key.

    @Test
    void onlyTheSnapshotRoleMayWriteAndNobodyButBreakGlassMayReadOrDelete() {
        for (Synthesized s : List.of(synth, init, TestStacks.get(Scenario.CONSUL_EXISTING_VPC))) {
            Map<String, JsonNode> policy = bucketPolicy(s);
            List<String> breakGlass = s.config().breakGlassPrincipals();
            JsonNode read = policy.get("OnlyBreakGlassReadsSnapshots");
            JsonNode write = policy.get("OnlyTheSnapshotFunctionWrites");
            JsonNode delete = policy.get("OnlyBreakGlassDeletesSnapshots");
            for (JsonNode deny : List.of(read, write, delete)) {
                assertThat(deny.path("Effect").asText()).isEqualTo("Deny");
                assertThat(principals(deny)).containsExactly("*");
                assertThat(Cfn.flatten(deny.path("Resource"))).isEqualTo(bucketArn(s) + "/*");
            }
            assertThat(Cfn.strings(read.path("Action"))).containsExactlyInAnyOrder("s3:GetObject", "s3:GetObjectVersion");
            assertThat(Cfn.strings(write.path("Action"))).containsExactly("s3:PutObject");
            assertThat(Cfn.strings(delete.path("Action")))
                    .containsExactlyInAnyOrder("s3:DeleteObject", "s3:DeleteObjectVersion");
            assertThat(exceptFor(write)).containsExactly(roleArn(s, s.stack().snapshots().function()));
            // Written under the snapshot key only (the bucket's default, or the key named): never another.
            JsonNode sse = policy.get("OnlySseKms");
            JsonNode keyId = policy.get("OnlyTheSnapshotKey");
            for (JsonNode deny : List.of(sse, keyId)) {
                assertThat(deny.path("Effect").asText()).isEqualTo("Deny");
                assertThat(principals(deny)).containsExactly("*");
                assertThat(Cfn.strings(deny.path("Action"))).containsExactly("s3:PutObject");
            }
            assertThat(sse.path("Condition").path("Null").path("s3:x-amz-server-side-encryption").asText())
                    .isEqualTo("false");
            assertThat(sse.path("Condition").path("StringNotEquals").path("s3:x-amz-server-side-encryption").asText())
                    .isEqualTo("aws:kms");
            assertThat(keyId.path("Condition").path("Null").path("s3:x-amz-server-side-encryption-aws-kms-key-id")
                    .asText()).isEqualTo("false");
            assertThat(Cfn.flatten(keyId.path("Condition").path("StringNotEquals")
                    .path("s3:x-amz-server-side-encryption-aws-kms-key-id")))
                    .isEqualTo("${GetAtt:" + id(s, s.stack().snapshots().key()) + ".Arn}");
            if (breakGlass.isEmpty()) {
                // Nobody at all: the deny has no exception.
                assertThat(read.has("Condition")).isFalse();
                assertThat(delete.has("Condition")).isFalse();
            } else {
                assertThat(exceptFor(read)).containsExactlyElementsOf(breakGlass);
                assertThat(exceptFor(delete)).containsExactlyElementsOf(breakGlass);
            }
            // No identity policy of the stack reads or deletes objects; only the snapshot role writes; only the
            // publisher lists.
            String snapshotRole = id(s, s.stack().snapshots().function().role());
            String publisherRole = id(s, s.stack().automation().publisher().role());
            actionsByRole(s).forEach((role, actions) -> {
                assertThat(actions).as(role).noneMatch(a -> a.equals("s3:*") || a.startsWith("s3:Get")
                        || a.startsWith("s3:Delete"));
                if (!role.equals(snapshotRole)) {
                    assertThat(actions).as(role).noneMatch(a -> a.startsWith("s3:Put") || a.contains("Multipart"));
                }
                if (!role.equals(publisherRole)) {
                    assertThat(actions).as(role).doesNotContain("s3:ListBucket");
                }
            });
        }
    }

    @Test
    void theSnapshotKeyIsUsedOnlyThroughS3ByTheFunctionAndBreakGlass() {
        for (Synthesized s : List.of(synth, init, TestStacks.get(Scenario.CONSUL))) {
            Map<String, JsonNode> statements = keyPolicy(s);
            Set<String> expected = new TreeSet<>(List.of("AccountReadsButDoesNotUseOrAdminister", "KeyAdministrators",
                    "SnapshotFunctionEncryptsThroughS3"));
            if (!s.config().keyAdmins().isEmpty()) {
                expected.add("CloudFormationDeploysTheKey");
            }
            if (!s.config().breakGlassPrincipals().isEmpty()) {
                expected.add("BreakGlassDecryptsSnapshotsThroughS3");
            }
            assertThat(new TreeSet<>(statements.keySet())).isEqualTo(expected);
            assertThat(Cfn.strings(statements.get("AccountReadsButDoesNotUseOrAdminister").path("Action")))
                    .containsExactlyInAnyOrderElementsOf(UnsealKey.ACCOUNT_READ_ACTIONS);
            JsonNode use = statements.get("SnapshotFunctionEncryptsThroughS3");
            assertThat(principals(use)).containsExactly(roleArn(s, s.stack().snapshots().function()));
            assertThat(Cfn.strings(use.path("Action"))).containsExactlyInAnyOrder("kms:GenerateDataKey", "kms:Decrypt");
            assertThat(Cfn.flatten(use.path("Condition").path("StringEquals").path("kms:ViaService")))
                    .isEqualTo("s3.${Ref:AWS::Region}.amazonaws.com");
            if (!s.config().breakGlassPrincipals().isEmpty()) {
                JsonNode decrypt = statements.get("BreakGlassDecryptsSnapshotsThroughS3");
                assertThat(principals(decrypt)).containsExactlyElementsOf(s.config().breakGlassPrincipals());
                assertThat(Cfn.strings(decrypt.path("Action"))).containsExactly("kms:Decrypt");
                assertThat(decrypt.path("Condition").path("StringEquals").has("kms:ViaService")).isTrue();
            }
            // Nobody else may encrypt, decrypt or grant.
            statements.forEach((sid, st) -> {
                if (!sid.equals("SnapshotFunctionEncryptsThroughS3") && !sid.equals("BreakGlassDecryptsSnapshotsThroughS3")) {
                    List<String> actions = Cfn.strings(st.path("Action"));
                    for (String forbidden : UnsealKey.NEVER_GRANTED) {
                        assertThat(actions).as(sid).doesNotContain(forbidden);
                    }
                    assertThat(actions).as(sid).noneMatch(a -> a.equals("kms:*"));
                }
            });
        }
        // Named key administrators administer the snapshot key too.
        assertThat(principals(keyPolicy(init).get("KeyAdministrators")))
                .containsExactlyInAnyOrderElementsOf(init.config().keyAdmins());
        assertThat(principals(keyPolicy(init).get("BreakGlassDecryptsSnapshotsThroughS3"))).containsExactly(BREAK_GLASS);
    }

    @Test
    void theExportedPoliciesGiveTheRigTheSnapshotRoleWithTheClusterAsAPlaceholder() {
        JsonNode exported = HandlerPolicies.export(synth.json(), synth.stack(), synth.config());
        List<String> resources = new ArrayList<>();
        exported.path("handlers").path(HandlerNames.SNAPSHOT_NAME).forEach(st -> {
            if (Cfn.strings(st.path("Action")).contains("s3:PutObject")) {
                resources.addAll(Cfn.strings(st.path("Resource")));
            }
        });
        assertThat(resources).containsExactly(bucketArn(synth) + "/snapshots/" + HandlerPolicies.CLUSTER + "/*");
        List<String> conditions = new ArrayList<>();
        exported.path("handlers").path(HandlerNames.PUBLISHER_NAME).forEach(st -> {
            if (Cfn.strings(st.path("Action")).contains("s3:ListBucket")) {
                conditions.add(st.path("Condition").toString());
            }
        });
        assertThat(conditions).containsExactly("{\"StringLike\":{\"s3:prefix\":\"snapshots/" + HandlerPolicies.CLUSTER
                + "/*\"}}");
    }

    // Context values.

    private InvalidConfigurationException invalid(Map<String, Object> context) {
        try {
            ClusterConfig.fromContext(context::get, dir);
        } catch (InvalidConfigurationException e) {
            return e;
        }
        throw new AssertionError("expected the configuration to be rejected: " + context);
    }

    @Test
    void snapshotContextValuesDefaultAndFailNamingTheKey() {
        ClusterConfig defaults = ClusterConfig.fromContext(Map.<String, Object>of()::get, dir);
        assertThat(defaults.snapshotIntervalMinutes()).isEqualTo(60);
        assertThat(defaults.snapshotRetentionDays()).isEqualTo(30);
        assertThat(ClusterConfig.fromContext(Map.<String, Object>of("snapshotIntervalMinutes", "0")::get, dir)
                .scheduledSnapshots()).isFalse();
        for (Object bad : List.of("-1", "1.5", "ten", ClusterConfig.MAX_SNAPSHOT_INTERVAL_MINUTES + 1)) {
            assertThat(invalid(Map.of("snapshotIntervalMinutes", bad)).getMessage()).as(String.valueOf(bad))
                    .contains("snapshotIntervalMinutes: must be a whole number");
        }
        for (Object bad : List.of("0", "-3", "2.5", "forever")) {
            assertThat(invalid(Map.of("snapshotRetentionDays", bad)).getMessage()).as(String.valueOf(bad))
                    .contains("snapshotRetentionDays: must be a whole number");
        }
        // The newest snapshot must outlive two intervals.
        assertThat(invalid(Map.of("snapshotIntervalMinutes", 1440, "snapshotRetentionDays", 1)).getMessage())
                .contains("snapshotRetentionDays: 1 day(s) keep a snapshot for less than two snapshotIntervalMinutes")
                .contains("at least 2 day(s)");
        assertThat(ClusterConfig.fromContext(Map.<String, Object>of("snapshotIntervalMinutes", 720,
                "snapshotRetentionDays", 1)::get, dir).snapshotRetentionDays()).isEqualTo(1);
        // keyAdmins administer the snapshot key of a Consul stack too.
        assertThat(ClusterConfig.fromContext(Map.<String, Object>of("system", "consul", "keyAdmins",
                "arn:aws:iam::123456789012:role/key-admin")::get, dir).keyAdmins()).hasSize(1);
    }
}
