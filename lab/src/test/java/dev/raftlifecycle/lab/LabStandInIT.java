package dev.raftlifecycle.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.contract.HandlerNames;
import dev.raftlifecycle.rig.Rig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.Activity;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingException;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.Instance;
import software.amazon.awssdk.services.autoscaling.model.InstanceRefresh;
import software.amazon.awssdk.services.autoscaling.model.ScalingActivityInProgressException;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;
import software.amazon.awssdk.services.lambda.model.LambdaException;

/**
 * The lab's AWS endpoint plays Auto Scaling and Lambda for a roll: SDK clients pointed at it, as RollCommand's are
 * (--endpoint-url), with the lab's roll operator credentials (the stack's operator policy, bound to the lab), see
 * launches and terminations go through the lab's lifecycle paths; the same credentials are refused what the policy
 * does not allow.
 */
class LabStandInIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration STEP = Duration.ofMinutes(4);

    @Test
    void theLabsEndpointScalesTerminatesRefreshesAndInvokesThePublisherAsAwsWould() throws Exception {
        Path dir = Path.of(System.getProperty("rig.workDir", "target/rig-runs")).resolve("stand-in");
        Files.createDirectories(dir);
        try (LabEnvironment lab = LabEnvironment.start(3, dir);
             // Everything below as the roll's operator: the stack's roll operator policy, bound to this lab.
             AutoScalingClient autoScaling = autoScaling(lab, lab.operatorCredentials());
             LambdaClient lambda = lambda(lab, lab.operatorCredentials());
             AutoScalingClient admin = autoScaling(lab, lab.awsCredentials())) {
            theOperatorPolicyIsScopedToTheLabsGroupsAndStatusAlias(lab, autoScaling, lambda, admin);
            // Lambda Invoke of the status function (its live alias) runs the lab's publisher with the payload.
            InvokeResponse invoked = lambda.invoke(r -> r.functionName(lab.statusFunctionName())
                    .qualifier(HandlerNames.ALIAS_NAME).payload(SdkBytes.fromUtf8String("{}")));
            assertThat(invoked.statusCode()).isEqualTo(200);
            assertThat(invoked.functionError()).isNull();
            JsonNode published = JSON.readTree(invoked.payload().asByteArray());
            assertThat(published.isObject()).as(published.toString()).isTrue();
            assertThat(published.toString()).contains("\"LeaderPresent\":1.0");
            // Only the alias answers: the unqualified function ($LATEST) and another qualifier are not found (asked as the
            // emulator's administrator: the operator's policy refuses them before, see above).
            try (LambdaClient adminLambda = lambda(lab, lab.awsCredentials())) {
                for (String qualifier : java.util.Arrays.asList(null, "$LATEST", "blue")) {
                    assertThat(catchThrowable(() -> adminLambda.invoke(r -> r.functionName(lab.statusFunctionName())
                            .qualifier(qualifier).payload(SdkBytes.fromUtf8String("{}")))))
                            .as(String.valueOf(qualifier)).isInstanceOf(ResourceNotFoundException.class)
                            .hasMessageContaining("Function not found").hasMessageContaining("404");
                }
            }

            List<String> groups = lab.cluster.groupNames();
            String first = groups.get(0);
            List<String> original = lab.cluster.groupInstanceIds(first);
            String image = lab.autoScaling.newImage();
            assertThat(image).isEqualTo("2");
            assertThat(group(autoScaling, first).launchTemplate().version()).isEqualTo("2");

            // SetDesiredCapacity + 1: a new instance, Pending:Wait until its launch hook continues, then InService.
            autoScaling.setDesiredCapacity(r -> r.autoScalingGroupName(first).desiredCapacity(original.size() + 1));
            String added = await("a new instance in " + first, () -> group(autoScaling, first).instances().stream()
                    .map(Instance::instanceId).filter(id -> !original.contains(id)).findFirst().orElse(null));
            List<String> seen = new ArrayList<>();
            await(added + " InService", () -> {
                String state = instance(autoScaling, first, added).lifecycleStateAsString();
                if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(state)) {
                    seen.add(state);
                }
                return "InService".equals(state) ? state : null;
            });
            assertThat(seen).contains("Pending:Wait").last().isEqualTo("InService");
            assertThat(lab.cluster.node(added).running()).isTrue();
            assertThat(lab.cluster.raftNodeIds()).contains(added);
            Map<String, String> versions = group(autoScaling, first).instances().stream()
                    .collect(Collectors.toMap(Instance::instanceId, i -> i.launchTemplate().version()));
            assertThat(versions).containsEntry(added, "2");
            original.forEach(id -> assertThat(versions).containsEntry(id, "1"));
            assertThat(group(autoScaling, first).desiredCapacity()).isEqualTo(original.size() + 1);

            // TerminateInstanceInAutoScalingGroup with decrement: the terminate hook removes the peer, no replacement.
            Activity terminating = autoScaling.terminateInstanceInAutoScalingGroup(r -> r.instanceId(added)
                    .shouldDecrementDesiredCapacity(true)).activity();
            assertThat(terminating.description()).isEqualTo("Terminating EC2 instance: " + added);
            assertThat(terminating.autoScalingGroupName()).isEqualTo(first);
            assertThatThrownBy(() -> autoScaling.terminateInstanceInAutoScalingGroup(r -> r.instanceId(added)
                    .shouldDecrementDesiredCapacity(true))).isInstanceOf(ScalingActivityInProgressException.class);
            await(added + " gone from " + first, () -> group(autoScaling, first).instances().stream()
                    .noneMatch(i -> i.instanceId().equals(added)) ? "gone" : null);
            assertThat(lab.cluster.raftNodeIds()).doesNotContain(added);
            assertThat(group(autoScaling, first).desiredCapacity()).isEqualTo(original.size());
            assertThat(group(autoScaling, first).instances()).extracting(Instance::instanceId)
                    .containsExactlyInAnyOrderElementsOf(original);
            List<Activity> activities = autoScaling.describeScalingActivities(r -> r.autoScalingGroupName(first))
                    .activities();
            assertThat(activities).anySatisfy(a -> {
                assertThat(a.description()).isEqualTo("Launching a new EC2 instance: " + added);
                assertThat(a.statusCodeAsString()).isEqualTo("Successful");
            });
            assertThat(activities).anySatisfy(a -> {
                assertThat(a.description()).isEqualTo("Terminating EC2 instance: " + added);
                assertThat(a.statusCodeAsString()).isEqualTo("Successful");
            });

            // An instance refresh of the second group: its instance replaced, launch before terminate, on version 2.
            String second = groups.get(1);
            List<String> old = lab.cluster.groupInstanceIds(second);
            String refreshId = autoScaling.startInstanceRefresh(r -> r.autoScalingGroupName(second).preferences(p -> p
                    .minHealthyPercentage(100).maxHealthyPercentage(200).skipMatching(true).instanceWarmup(0)))
                    .instanceRefreshId();
            InstanceRefresh refresh = await("the refresh of " + second + " ends", () -> {
                InstanceRefresh r = autoScaling.describeInstanceRefreshes(d -> d.autoScalingGroupName(second))
                        .instanceRefreshes().get(0);
                return List.of("Successful", "Failed", "Cancelled").contains(r.statusAsString()) ? r : null;
            });
            assertThat(refresh.instanceRefreshId()).isEqualTo(refreshId);
            assertThat(refresh.statusAsString()).as(String.valueOf(refresh.statusReason())).isEqualTo("Successful");
            assertThat(refresh.percentageComplete()).isEqualTo(100);
            assertThat(refresh.preferences().maxHealthyPercentage()).isEqualTo(200);
            AutoScalingGroup refreshed = group(autoScaling, second);
            assertThat(refreshed.desiredCapacity()).isEqualTo(old.size());
            assertThat(refreshed.instances()).hasSize(old.size()).allSatisfy(i -> {
                assertThat(old).doesNotContain(i.instanceId());
                assertThat(i.launchTemplate().version()).isEqualTo("2");
                assertThat(i.lifecycleStateAsString()).isEqualTo("InService");
            });
            assertThat(lab.cluster.raftNodeIds()).doesNotContainAnyElementsOf(old)
                    .containsAll(refreshed.instances().stream().map(Instance::instanceId).toList());
            // Launch before terminate: each old instance's termination began after every replacement's launch had ended.
            List<Activity> refreshActivities = autoScaling.describeScalingActivities(r -> r.autoScalingGroupName(second))
                    .activities();
            Instant lastLaunchEnded = refreshActivities.stream().filter(a -> a.description().startsWith("Launching"))
                    .map(Activity::endTime).max(Instant::compareTo).orElseThrow();
            Instant firstTerminateStarted = refreshActivities.stream().filter(a -> a.description().startsWith("Terminating"))
                    .map(Activity::startTime).min(Instant::compareTo).orElseThrow();
            assertThat(firstTerminateStarted).isAfterOrEqualTo(lastLaunchEnded);
            assertThat(refreshActivities).allSatisfy(a -> assertThat(a.statusCodeAsString()).isEqualTo("Successful"));
            lab.cluster.await("autopilot healthy after the refresh", Duration.ofMinutes(1), lab.cluster::autopilotHealthy);
        }
    }

    /**
     * The operator policy is enough and not more: a cluster group's capacity may be set, another group's may not
     * (AccessDenied, while the administrator may: the refusal is the policy's); the status function's live alias may
     * be invoked, the function unqualified and another function may not; and TerminateInstanceInAutoScalingGroup, which
     * the stand-in answers without moto, is checked: a handler role without it is refused and the instance stays.
     */
    private static void theOperatorPolicyIsScopedToTheLabsGroupsAndStatusAlias(LabEnvironment lab,
            AutoScalingClient operator, LambdaClient lambda, AutoScalingClient admin) {
        String first = lab.cluster.groupNames().get(0);
        AutoScalingGroup cluster = group(admin, first);
        String outside = "outside-" + lab.cluster.name();
        lab.rig.autoScaling().createAutoScalingGroup(r -> {
            r.autoScalingGroupName(outside).minSize(0).maxSize(1).desiredCapacity(0)
                    .launchTemplate(t -> t.launchTemplateId(cluster.launchTemplate().launchTemplateId()).version("1"));
            if (cluster.vpcZoneIdentifier() != null && !cluster.vpcZoneIdentifier().isEmpty()) {
                r.vpcZoneIdentifier(cluster.vpcZoneIdentifier());
            } else {
                r.availabilityZones(cluster.availabilityZones());
            }
        });
        assertThatThrownBy(() -> operator.setDesiredCapacity(r -> r.autoScalingGroupName(outside).desiredCapacity(1)))
                .isInstanceOfSatisfying(AutoScalingException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(403);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDenied");
                    assertThat(e.getMessage()).contains("autoscaling:SetDesiredCapacity", outside);
                });
        assertThat(group(admin, outside).desiredCapacity()).isZero();
        admin.setDesiredCapacity(r -> r.autoScalingGroupName(outside).desiredCapacity(0));
        // A cluster group: allowed (at its desired capacity: moto checks and performs it, nothing launches).
        operator.setDesiredCapacity(r -> r.autoScalingGroupName(first).desiredCapacity(cluster.desiredCapacity()));
        assertThat(group(operator, first).desiredCapacity()).isEqualTo(cluster.desiredCapacity());

        InvokeResponse alias = lambda.invoke(r -> r.functionName(lab.statusFunctionName())
                .qualifier(HandlerNames.ALIAS_NAME).payload(SdkBytes.fromUtf8String("{}")));
        assertThat(alias.statusCode()).isEqualTo(200);
        assertThat(alias.functionError()).isNull();
        for (String refused : List.of(lab.statusFunctionName(), LabEnvironment.functionName("terminating"),
                LabEnvironment.functionName("terminating") + ":" + HandlerNames.ALIAS_NAME)) {
            assertThatThrownBy(() -> lambda.invoke(r -> r.functionName(refused).payload(SdkBytes.fromUtf8String("{}"))))
                    .as(refused).isInstanceOfSatisfying(LambdaException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(403);
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDeniedException");
                        assertThat(e.getMessage()).contains("lambda:InvokeFunction");
                    });
        }

        String instance = lab.cluster.groupInstanceIds(first).get(0);
        try (AutoScalingClient publisher = autoScaling(lab, lab.rig.iamRoles().credentials("publisher",
                lab.cluster.name(), java.util.Set.of()))) {
            assertThatThrownBy(() -> publisher.terminateInstanceInAutoScalingGroup(r -> r.instanceId(instance)
                    .shouldDecrementDesiredCapacity(false))).isInstanceOfSatisfying(AutoScalingException.class,
                    e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDenied"));
        }
        assertThat(instance(operator, first, instance).lifecycleStateAsString()).isEqualTo("InService");
        assertThat(lab.cluster.node(instance).running()).isTrue();
    }

    private static AutoScalingClient autoScaling(LabEnvironment lab, AwsCredentials credentials) {
        return AutoScalingClient.builder().region(Rig.REGION).endpointOverride(lab.awsEndpoint())
                .credentialsProvider(StaticCredentialsProvider.create(credentials))
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    }

    private static LambdaClient lambda(LabEnvironment lab, AwsCredentials credentials) {
        return LambdaClient.builder().region(Rig.REGION).endpointOverride(lab.awsEndpoint())
                .credentialsProvider(StaticCredentialsProvider.create(credentials))
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
    }

    private static AutoScalingGroup group(AutoScalingClient autoScaling, String name) {
        return autoScaling.describeAutoScalingGroups(r -> r.autoScalingGroupNames(name)).autoScalingGroups().get(0);
    }

    private static Instance instance(AutoScalingClient autoScaling, String group, String id) {
        return group(autoScaling, group).instances().stream().filter(i -> i.instanceId().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError(id + " left " + group));
    }

    private static <T> T await(String what, Supplier<T> probe) throws InterruptedException {
        Instant until = Instant.now().plus(STEP);
        while (Instant.now().isBefore(until)) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("timed out waiting for " + what);
    }
}
