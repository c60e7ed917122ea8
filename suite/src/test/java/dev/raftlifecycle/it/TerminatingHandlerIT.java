package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.raftlifecycle.events.InvalidEventException;
import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.VaultCluster;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link TerminatingCases} on a real 3-node Vault cluster, and what is counted against Vault's audit log: an event for
 * another cluster's group and every malformed event make not one Vault request (nor any AWS call).
 */
class TerminatingHandlerIT extends TerminatingCases {
    @RegisterExtension
    static final RaftClusterExtension<VaultCluster> CLUSTER = RaftClusterExtension.vault(ClusterSpec.defaults());

    @Override
    RaftClusterExtension<VaultCluster> fixture() {
        return CLUSTER;
    }

    /**
     * CONTINUE waited, outside the lock, for the step-down's quiet period (STEP_DOWN_QUIET_SECONDS, 10 s from when
     * another leader was seen): a Vault stopped sooner holds every request to it until then.
     */
    @Override
    void assertQuietPeriodAfterHandOver(String decision) {
        java.util.regex.Matcher quiet = java.util.regex.Pattern.compile("\"stepDownQuietMs\":(\\d+)").matcher(decision);
        assertThat(quiet.find()).as(decision).isTrue();
        assertThat(Long.parseLong(quiet.group(1))).as(decision).isBetween(1L, 10_000L);
    }

    @Test
    void anEventForAnotherClustersGroupIsIgnoredWithoutAnyCall() {
        LifecycleRecorder.LifecycleAction action = cluster.rig().recorder().open("someone-elses-group",
                "their-hook", "i-0fedcba9876543210", "autoscaling:EC2_INSTANCE_TERMINATING");
        long auditedBefore = CLUSTER.cluster().auditedRequests();

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).isEqualTo("IGNORED");
        assertThat(harness.awsCalls()).isEmpty();
        assertThat(CLUSTER.cluster().auditedRequests()).isEqualTo(auditedBefore);
        assertThat(cluster.rig().recorder().isOpen(action.token())).isTrue();
        assertThat(harness.log).singleElement().satisfies(l -> assertThat(l).contains("\"event\":\"ignored\"", "foreign-group"));
    }

    static Stream<Arguments> malformedEvents() {
        String good = """
                {"version":"0","id":"e1","detail-type":"EC2 Instance-terminate Lifecycle Action","source":"aws.autoscaling",
                 "account":"123456789012","time":"2026-11-22T00:00:00Z","region":"us-east-1","resources":[],
                 "detail":{"LifecycleActionToken":"87654321-4321-4321-4321-210987654321","AutoScalingGroupName":"GROUP",
                 "LifecycleHookName":"hook","EC2InstanceId":"i-0123456789abcdef0",
                 "LifecycleTransition":"autoscaling:EC2_INSTANCE_TERMINATING"}}""";
        return Stream.of(
                Arguments.of("not json", "{\"source\": ", "event"),
                Arguments.of("not an object", "[1,2]", "event"),
                Arguments.of("wrong detail-type", good.replace("EC2 Instance-terminate", "EC2 Instance-launch"), "detail-type"),
                Arguments.of("wrong source", good.replace("\"aws.autoscaling\"", "\"aws.ec2\""), "source"),
                Arguments.of("wrong transition", good.replace("EC2_INSTANCE_TERMINATING", "EC2_INSTANCE_LAUNCHING"),
                        "detail.LifecycleTransition"),
                Arguments.of("missing token", good.replace("\"LifecycleActionToken\":\"87654321-4321-4321-4321-210987654321\",", ""),
                        "detail.LifecycleActionToken"),
                Arguments.of("missing instance", good.replace("\"EC2InstanceId\":\"i-0123456789abcdef0\",", ""),
                        "detail.EC2InstanceId"),
                Arguments.of("missing group", good.replace("\"AutoScalingGroupName\":\"GROUP\",", ""),
                        "detail.AutoScalingGroupName"),
                Arguments.of("numeric instance id", good.replace("\"i-0123456789abcdef0\"", "12345"), "detail.EC2InstanceId"),
                Arguments.of("object token", good.replace("\"87654321-4321-4321-4321-210987654321\"", "{\"a\":1}"),
                        "detail.LifecycleActionToken"),
                Arguments.of("missing detail", "{\"source\":\"aws.autoscaling\",\"detail-type\":\"EC2 Instance-terminate Lifecycle Action\"}",
                        "detail"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedEvents")
    void malformedInputFailsNamingTheFieldAndCallsNothing(String name, String json, String field) {
        String body = json.replace("GROUP", cluster.groupNames().get(0));
        long auditedBefore = CLUSTER.cluster().auditedRequests();
        TerminatingHandler handler = harness.terminating();

        assertThatThrownBy(() -> handler.handle(body.getBytes(StandardCharsets.UTF_8), LAMBDA_TIME))
                .isInstanceOf(InvalidEventException.class)
                .satisfies(e -> assertThat(((InvalidEventException) e).field()).isEqualTo(field))
                .hasMessageStartingWith(field + ":");
        assertThat(harness.awsCalls()).isEmpty();
        assertThat(CLUSTER.cluster().auditedRequests()).isEqualTo(auditedBefore);
        assertThat(harness.log).singleElement().satisfies(l -> assertThat(l).contains("invalid-event", field));
    }
}
