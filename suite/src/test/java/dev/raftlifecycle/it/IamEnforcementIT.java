package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.contract.HandlerNames;
import dev.raftlifecycle.contract.LockTable;
import dev.raftlifecycle.handlers.HandlerRuntime;
import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.Rig;
import dev.raftlifecycle.rig.RigIam;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.VaultNode;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The rig enforces each function's deployed IAM policy, and it bites: moto checks every signature and every action
 * against the role's synthesized statements (reduced to what it can evaluate), the front adds the lock table's
 * {@code dynamodb:LeadingKeys} from the same statements, and the lifecycle calls the front answers itself are checked
 * by moto first.
 */
class IamEnforcementIT {
    private static final Duration LAMBDA_TIME = Duration.ofMinutes(2);

    @RegisterExtension
    static final RaftClusterExtension<VaultCluster> CLUSTER = RaftClusterExtension.vault(ClusterSpec.defaults());

    private static Map<String, AttributeValue> item(String key) {
        return Map.of(LockTable.PARTITION_KEY, AttributeValue.fromS(key), "Owner", AttributeValue.fromS("forger"),
                "LeaseUntilMs", AttributeValue.fromN(Long.toString(System.currentTimeMillis() + 600_000)));
    }

    @Test
    void theReadOnlyFunctionsCannotWriteTheLockItemButTheirOwnRecords() {
        VaultCluster cluster = CLUSTER.cluster();
        HandlerHarness harness = new HandlerHarness(cluster);
        String lock = LockTable.MUTATION_PREFIX + cluster.name();
        for (String reader : List.of(HandlerNames.LAUNCHING_NAME, HandlerNames.PUBLISHER_NAME)) {
            DynamoDbClient dynamo = harness.dynamo(reader);
            assertThatThrownBy(() -> dynamo.putItem(r -> r.tableName(harness.lockTable).item(item(lock))))
                    .as(reader + " forging a lease").isInstanceOfSatisfying(AwsServiceException.class, e -> {
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDeniedException");
                        assertThat(e.getMessage()).contains("dynamodb:PutItem", lock);
                    });
            assertThatThrownBy(() -> dynamo.deleteItem(r -> r.tableName(harness.lockTable)
                    .key(Map.of(LockTable.PARTITION_KEY, AttributeValue.fromS(lock)))))
                    .as(reader + " deleting the lock").isInstanceOf(AwsServiceException.class);
            // What it does own: the initialized record.
            dynamo.putItem(r -> r.tableName(harness.lockTable).item(Map.of(LockTable.PARTITION_KEY,
                    AttributeValue.fromS(LockTable.INITIALIZED_PREFIX + cluster.name()))));
        }
        // The publisher's leader record is its own, not the launching handler's; the stale marks the reconciler's.
        assertThatThrownBy(() -> harness.dynamo(HandlerNames.LAUNCHING_NAME).putItem(r -> r.tableName(harness.lockTable)
                .item(Map.of(LockTable.PARTITION_KEY, AttributeValue.fromS(LockTable.LEADER_PREFIX + cluster.name())))))
                .isInstanceOf(AwsServiceException.class);
        assertThatThrownBy(() -> harness.dynamo(HandlerNames.TERMINATING_NAME).putItem(r -> r.tableName(harness.lockTable)
                .item(Map.of(LockTable.PARTITION_KEY, AttributeValue.fromS(LockTable.STALE_PREFIX + cluster.name())))))
                .isInstanceOf(AwsServiceException.class);
        // A function that takes the lock may write it.
        harness.dynamo(HandlerNames.TERMINATING_NAME).putItem(r -> r.tableName(harness.lockTable).item(item(lock)));
        harness.dynamo(HandlerNames.TERMINATING_NAME).deleteItem(r -> r.tableName(harness.lockTable)
                .key(Map.of(LockTable.PARTITION_KEY, AttributeValue.fromS(lock))));
    }

    @Test
    void theTerminatingHandlerWithoutOneGrantedActionFailsNamingIt() {
        VaultCluster cluster = CLUSTER.cluster();
        HandlerHarness harness = new HandlerHarness(cluster);
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        VaultNode follower = cluster.runningNodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(follower.instanceId());
        String missing = "autoscaling:DescribeAutoScalingGroups";
        HandlerRuntime runtime = new HandlerRuntime(Settings.from(harness.environment()), StaticCredentialsProvider.create(
                cluster.rig().iamRoles().credentials(HandlerNames.TERMINATING_NAME, cluster.name(), Set.of(missing))),
                Clock.systemUTC(), harness.log::add);
        try {
            assertThatThrownBy(() -> new TerminatingHandler(runtime).handle(EventBridgeEvents.forAction(action), LAMBDA_TIME))
                    .isInstanceOfSatisfying(AwsServiceException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(403);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDenied");
                        assertThat(e.getMessage()).contains("is not authorized to perform: " + missing);
                    });
            assertThat(cluster.raftNodeIds()).contains(follower.instanceId());
        } finally {
            cluster.rig().recorder().expire(action.token());
            cluster.rig().recorder().lifecycleState(follower.instanceId(), null);
        }
    }

    @Test
    void aLifecycleCallTheFrontAnswersIsCheckedByTheEmulatorFirst() {
        VaultCluster cluster = CLUSTER.cluster();
        VaultNode node = cluster.runningNodes().get(0);
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(node.instanceId());
        try {
            // The publisher's role holds no lifecycle action: refused, and the action stays open.
            AutoScalingClient publisher = autoScaling(cluster.rig(), HandlerNames.PUBLISHER_NAME, cluster.name(), null);
            assertThatThrownBy(() -> publisher.completeLifecycleAction(r -> r.autoScalingGroupName(action.groupName())
                    .lifecycleHookName(action.hookName()).lifecycleActionToken(action.token()).instanceId(node.instanceId())
                    .lifecycleActionResult("CONTINUE")))
                    .isInstanceOfSatisfying(AwsServiceException.class, e -> assertThat(e.getMessage())
                            .contains("autoscaling:CompleteLifecycleAction"));
            assertThat(cluster.rig().recorder().isOpen(action.token())).isTrue();
            // The terminating handler's role holds it.
            autoScaling(cluster.rig(), HandlerNames.TERMINATING_NAME, cluster.name(), null).recordLifecycleActionHeartbeat(
                    r -> r.autoScalingGroupName(action.groupName()).lifecycleHookName(action.hookName())
                            .lifecycleActionToken(action.token()).instanceId(node.instanceId()));
        } finally {
            cluster.rig().recorder().expire(action.token());
            cluster.rig().recorder().lifecycleState(node.instanceId(), null);
        }
    }

    @Test
    void aRequestWhoseSignatureWasAlteredIsRefused() {
        VaultCluster cluster = CLUSTER.cluster();
        // One character of the signature changed after the SDK signed the request.
        AutoScalingClient tampered = autoScaling(cluster.rig(), HandlerNames.TERMINATING_NAME, cluster.name(),
                authorization -> {
                    int at = authorization.indexOf("Signature=") + "Signature=".length();
                    char c = authorization.charAt(at);
                    return authorization.substring(0, at) + (c == 'a' ? 'b' : 'a') + authorization.substring(at + 1);
                });
        assertThatThrownBy(() -> tampered.describeAutoScalingGroups(r -> r.autoScalingGroupNames(cluster.groupNames().get(0))))
                .isInstanceOfSatisfying(AwsServiceException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(403);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("SignatureDoesNotMatch");
                });
        // The same call, untouched, is accepted.
        assertThat(autoScaling(cluster.rig(), HandlerNames.TERMINATING_NAME, cluster.name(), null)
                .describeAutoScalingGroups(r -> r.autoScalingGroupNames(cluster.groupNames().get(0)))
                .autoScalingGroups()).hasSize(1);
    }

    @Test
    void everyHandlersRoleCarriesTheStatementsTheCdkAppSynthesized() {
        RigIam iam = CLUSTER.cluster().rig().iamRoles();
        for (String handler : HandlerNames.ALL_NAMES) {
            assertThat(iam.statements(handler)).as(handler).isNotEmpty().allSatisfy(s ->
                    assertThat(s.path("Effect").asText()).isEqualTo("Allow"));
        }
        assertThat(iam.statements(HandlerNames.INTERRUPTION_NAME).toString()).contains("ec2:DescribeSpotInstanceRequests");
        assertThat(iam.statements(HandlerNames.PUBLISHER_NAME).toString()).contains("cloudwatch:PutMetricData")
                .doesNotContain("autoscaling:UpdateAutoScalingGroup");
    }

    /**
     * Auto Scaling through the front with a handler's credentials; {@code alter} changes the signed request's
     * Authorization header before it is sent.
     */
    private static AutoScalingClient autoScaling(Rig rig, String handler, String cluster,
                                                 java.util.function.UnaryOperator<String> alter) {
        SdkHttpClient http = UrlConnectionHttpClient.builder().build();
        SdkHttpClient sent = alter == null ? http : new SdkHttpClient() {
            @Override
            public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
                String authorization = request.httpRequest().firstMatchingHeader("Authorization").orElseThrow();
                return http.prepareRequest(HttpExecuteRequest.builder()
                        .contentStreamProvider(request.contentStreamProvider().orElse(null))
                        .request(request.httpRequest().toBuilder()
                                .putHeader("Authorization", alter.apply(authorization)).build())
                        .build());
            }

            @Override
            public void close() {
                http.close();
            }
        };
        return AutoScalingClient.builder().region(Rig.REGION).endpointOverride(rig.awsEndpoint())
                .credentialsProvider(StaticCredentialsProvider.create(rig.handlerCredentials(handler, cluster)))
                .httpClient(sent).build();
    }
}
