package dev.raftlifecycle.rig;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;

/**
 * What an operator does to groups built by another tool before the automation may act on them (the adopt stack creates
 * the hooks; the retain policy is the operator's step, see infra/README): our launch and terminate hooks on each group
 * (PutLifecycleHook) and the instance lifecycle policy that retains an instance whose terminate hook was abandoned
 * (UpdateAutoScalingGroup with InstanceLifecyclePolicy.RetentionTriggers.TerminateHookAbandon = retain). Made with the
 * SDK's Auto Scaling client at an AWS endpoint (the rig's front, or the lab's), as an operator's tooling would.
 */
public final class ClusterAdoption {
    /** The value of TerminateHookAbandon that retains the instance. */
    public static final String RETAIN = "retain";

    private ClusterAdoption() {
    }

    /** What was done, group by group, for a report. */
    public record Step(String group, String what) {
    }

    /**
     * Adopts the groups: the hooks on each (default result ABANDON; CONTINUE for handlers in shadow mode, as the adopt
     * stack sets it with shadow=true), and the retain policy unless {@code retainPolicy} is false (the refusal demo: the
     * handlers then remove nothing, reason retain-policy-missing).
     */
    public static List<Step> adopt(URI awsEndpoint, AwsCredentials credentials, List<String> groups, String launchHook,
                                   String terminateHook, boolean retainPolicy, boolean shadow) {
        String defaultResult = shadow ? dev.raftlifecycle.contract.LifecycleEvents.CONTINUE
                : dev.raftlifecycle.contract.LifecycleEvents.ABANDON;
        List<Step> done = new ArrayList<>();
        try (AutoScalingClient autoScaling = AutoScalingClient.builder().region(Rig.REGION).endpointOverride(awsEndpoint)
                .credentialsProvider(StaticCredentialsProvider.create(credentials))
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build()) {
            for (String group : groups) {
                RigGroups.putHooks(autoScaling, group, launchHook, terminateHook, defaultResult);
                done.add(new Step(group, "hooks " + launchHook + ", " + terminateHook + " (default result "
                        + defaultResult + ")"));
                if (retainPolicy) {
                    autoScaling.updateAutoScalingGroup(r -> r.autoScalingGroupName(group).instanceLifecyclePolicy(p -> p
                            .retentionTriggers(t -> t.terminateHookAbandon(RETAIN))));
                    done.add(new Step(group, "InstanceLifecyclePolicy TerminateHookAbandon=" + RETAIN));
                }
            }
        }
        return done;
    }

    /**
     * {@link #adopt(URI, AwsCredentials, List, String, String, boolean, boolean)} of a rig cluster for active handlers,
     * through the rig's front.
     */
    public static List<Step> adopt(VaultCluster cluster, boolean retainPolicy) {
        return adopt(cluster.rig().awsEndpoint(), cluster.rig().adminCredentials(), cluster.groupNames(),
                cluster.launchHook(), cluster.terminateHook(), retainPolicy, false);
    }
}
