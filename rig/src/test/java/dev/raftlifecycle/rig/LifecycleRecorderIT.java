package dev.raftlifecycle.rig;

import dev.raftlifecycle.contract.LifecycleEvents;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingException;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.InstanceLifecyclePolicy;
import software.amazon.awssdk.services.autoscaling.model.RetentionAction;

/** The recording front answers the two lifecycle calls moto lacks and passes everything else to moto. */
class LifecycleRecorderIT {
    private final Rig rig = Rig.shared();
    private final AutoScalingClient client = AutoScalingClient.builder()
            .region(Rig.REGION).endpointOverride(rig.awsEndpoint())
            .credentialsProvider(StaticCredentialsProvider.create(rig.adminCredentials()))
            .httpClientBuilder(UrlConnectionHttpClient.builder()).build();

    @Test
    void completesAnOpenActionOnceAndRefusesTheSecondTimeAsAutoScalingDoes() {
        LifecycleRecorder recorder = rig.recorder();
        LifecycleRecorder.LifecycleAction action = recorder.open("g-rec", "hook", "i-0123456789abcdef0",
                LifecycleEvents.TERMINATING_TRANSITION);
        client.recordLifecycleActionHeartbeat(r -> r.autoScalingGroupName("g-rec").lifecycleHookName("hook")
                .lifecycleActionToken(action.token()));
        client.completeLifecycleAction(r -> r.autoScalingGroupName("g-rec").lifecycleHookName("hook")
                .lifecycleActionToken(action.token()).lifecycleActionResult("CONTINUE"));
        assertThat(recorder.awaitOutcome(action.token(), Duration.ofSeconds(1))).contains("CONTINUE");

        assertThatThrownBy(() -> client.completeLifecycleAction(r -> r.autoScalingGroupName("g-rec")
                .lifecycleHookName("hook").lifecycleActionToken(action.token()).lifecycleActionResult("ABANDON")))
                .isInstanceOf(AutoScalingException.class)
                .hasMessageContaining("No active Lifecycle Action found")
                .satisfies(e -> assertThat(((AutoScalingException) e).awsErrorDetails().errorCode())
                        .isEqualTo("ValidationError"));

        assertThat(recorder.lifecycleCalls(action.token()))
                .extracting(LifecycleRecorder.LifecycleCall::action, LifecycleRecorder.LifecycleCall::result,
                        LifecycleRecorder.LifecycleCall::accepted)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("RecordLifecycleActionHeartbeat", null, true),
                        org.assertj.core.groups.Tuple.tuple("CompleteLifecycleAction", "CONTINUE", true),
                        org.assertj.core.groups.Tuple.tuple("CompleteLifecycleAction", "ABANDON", false));
        assertThat(recorder.outcome(action.token())).contains("CONTINUE");
    }

    @Test
    void passesOtherCallsThroughToMotoAndRecordsThem() {
        rig.autoScaling().createAutoScalingGroup(r -> r.autoScalingGroupName("g-pass").minSize(0).maxSize(1)
                .desiredCapacity(0).availabilityZones("us-east-1a")
                .launchConfigurationName(createLaunchConfiguration()));
        int before = rig.recorder().awsCallCounts().getOrDefault("autoscaling:DescribeAutoScalingGroups", 0);
        assertThat(client.describeAutoScalingGroups(r -> r.autoScalingGroupNames("g-pass")).autoScalingGroups())
                .singleElement().satisfies(g -> assertThat(g.autoScalingGroupName()).isEqualTo("g-pass"));
        assertThat(rig.recorder().awsCallCounts().get("autoscaling:DescribeAutoScalingGroups")).isEqualTo(before + 1);
    }

    @Test
    void describeShowsEachGroupsInstanceLifecyclePolicyAsSetAndUpdateAutoScalingGroupSetsIt() {
        rig.autoScaling().createLaunchConfiguration(r -> r.launchConfigurationName("lc-retain").imageId("ami-12c6146b")
                .instanceType("t3.small"));
        for (String group : java.util.List.of("g-retain", "g-retain-other")) {
            rig.autoScaling().createAutoScalingGroup(r -> r.autoScalingGroupName(group).minSize(0).maxSize(1)
                    .desiredCapacity(0).availabilityZones("us-east-1a").launchConfigurationName("lc-retain"));
        }
        java.util.function.Function<String, InstanceLifecyclePolicy> shown = group -> client.describeAutoScalingGroups(
                r -> r.autoScalingGroupNames(group)).autoScalingGroups().get(0).instanceLifecyclePolicy();
        // A group the rig builds shows retain, as the CDK app sets it.
        assertThat(shown.apply("g-retain").retentionTriggers().terminateHookAbandon()).isEqualTo(RetentionAction.RETAIN);

        rig.recorder().terminateHookAbandon("g-retain", null);
        assertThat(shown.apply("g-retain")).isNull();
        assertThat(rig.recorder().terminateHookAbandon("g-retain")).isEmpty();
        rig.recorder().terminateHookAbandon("g-retain", "terminate");
        assertThat(shown.apply("g-retain").retentionTriggers().terminateHookAbandon()).isEqualTo(RetentionAction.TERMINATE);
        assertThat(shown.apply("g-retain-other").retentionTriggers().terminateHookAbandon())
                .isEqualTo(RetentionAction.RETAIN);
        // Both groups in one answer, each with its own.
        assertThat(client.describeAutoScalingGroups(r -> r.autoScalingGroupNames("g-retain", "g-retain-other"))
                .autoScalingGroups()).extracting(g -> g.autoScalingGroupName() + "="
                        + g.instanceLifecyclePolicy().retentionTriggers().terminateHookAbandonAsString())
                .containsExactlyInAnyOrder("g-retain=terminate", "g-retain-other=retain");

        // The operator's remedy, through the SDK: moto takes the rest of the call, the front the policy.
        client.updateAutoScalingGroup(r -> r.autoScalingGroupName("g-retain").maxSize(2)
                .instanceLifecyclePolicy(p -> p.retentionTriggers(t -> t.terminateHookAbandon(RetentionAction.RETAIN))));
        AutoScalingGroup updated = client.describeAutoScalingGroups(r -> r.autoScalingGroupNames("g-retain"))
                .autoScalingGroups().get(0);
        assertThat(updated.instanceLifecyclePolicy().retentionTriggers().terminateHookAbandon())
                .isEqualTo(RetentionAction.RETAIN);
        assertThat(updated.maxSize()).isEqualTo(2);
        // An update without the policy leaves it as it was.
        rig.recorder().terminateHookAbandon("g-retain", null);
        client.updateAutoScalingGroup(r -> r.autoScalingGroupName("g-retain").maxSize(1));
        assertThat(shown.apply("g-retain")).isNull();
    }

    private String createLaunchConfiguration() {
        rig.autoScaling().createLaunchConfiguration(r -> r.launchConfigurationName("lc-pass").imageId("ami-12c6146b")
                .instanceType("t3.small"));
        return "lc-pass";
    }

    @Test
    void expiredActionIsNoLongerActive() {
        LifecycleRecorder.LifecycleAction action = rig.recorder().open("g-exp", "hook", "i-0fedcba9876543210",
                LifecycleEvents.LAUNCHING_TRANSITION);
        rig.recorder().expire(action.token());
        assertThatThrownBy(() -> client.completeLifecycleAction(r -> r.autoScalingGroupName("g-exp")
                .lifecycleHookName("hook").lifecycleActionToken(action.token()).lifecycleActionResult("CONTINUE")))
                .hasMessageContaining("No active Lifecycle Action found");
        assertThat(rig.recorder().outcome(action.token())).contains("EXPIRED");
    }
}
