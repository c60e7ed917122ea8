package dev.raftlifecycle.infra;

import java.util.ArrayList;
import java.util.List;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.iam.ManagedPolicy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.constructs.Construct;

/**
 * What an operator running {@code scripts/rolling-upgrade} against this stack needs, and no more: a customer managed
 * policy ({@code <cluster>-rolling-upgrade}, output {@code RollingUpgradePolicyArn}) to attach to the operators' role.
 *
 * <ul>
 * <li>Auto Scaling's mutations (SetDesiredCapacity, TerminateInstanceInAutoScalingGroup, Start/CancelInstanceRefresh)
 * on this cluster's three groups only: each of these actions takes the {@code autoScalingGroup} resource type, whose
 * ARN is {@code arn:<partition>:autoscaling:<region>:<account>:autoScalingGroup:<group id>:autoScalingGroupName/<name>}
 * (the service authorization reference); the group id is a UUID assigned at creation, so it is a wildcard and the
 * name pins each ARN to one group (as the lifecycle handlers' own CompleteLifecycleAction grant does).</li>
 * <li>DescribeAutoScalingGroups, DescribeScalingActivities, DescribeInstanceRefreshes and CloudWatch's DescribeAlarms
 * on {@code "*"}: read-only List/Read actions without resource-level permissions.</li>
 * <li>lambda:InvokeFunction on the status function's {@value dev.raftlifecycle.contract.HandlerNames#ALIAS_NAME} alias ARN only (the
 * published, SnapStart version the stack output tells operators to invoke): an unqualified invoke ($LATEST) is not
 * allowed.</li>
 * <li>cloudformation:DescribeStacks on this stack's own ARN ({@code --stack}).</li>
 * </ul>
 */
public final class RollOperatorPolicy extends Construct {
    /** The policy's statement ids (an infra test and the rig's export read them). */
    public static final String MUTATE_SID = "ChangeOnlyThisClustersGroups";
    public static final String DESCRIBE_SID = "ReadGroupsActivitiesAndRefreshes";
    public static final String ALARMS_SID = "ReadAlarms";
    public static final String STATUS_SID = "InvokeTheStatusFunctionsLiveAlias";
    public static final String STACK_SID = "ReadThisStacksOutputs";
    /** The mutating Auto Scaling actions a roll makes. */
    public static final List<String> MUTATIONS = List.of("autoscaling:SetDesiredCapacity",
            "autoscaling:TerminateInstanceInAutoScalingGroup", "autoscaling:StartInstanceRefresh",
            "autoscaling:CancelInstanceRefresh");
    public static final List<String> DESCRIBES = List.of("autoscaling:DescribeAutoScalingGroups",
            "autoscaling:DescribeScalingActivities", "autoscaling:DescribeInstanceRefreshes");

    /** The configuration, the groups' ARNs and the status function's alias. */
    public record Props(ClusterConfig config, List<String> groupArns, String statusAliasArn) {
    }

    private final ManagedPolicy policy;

    public RollOperatorPolicy(Construct scope, String id, Props props) {
        super(scope, id);
        Stack stack = Stack.of(this);
        List<PolicyStatement> statements = new ArrayList<>();
        statements.add(PolicyStatement.Builder.create().sid(MUTATE_SID).actions(MUTATIONS)
                .resources(props.groupArns()).build());
        statements.add(PolicyStatement.Builder.create().sid(DESCRIBE_SID).actions(DESCRIBES)
                .resources(List.of("*")).build());
        statements.add(PolicyStatement.Builder.create().sid(ALARMS_SID).actions(List.of("cloudwatch:DescribeAlarms"))
                .resources(List.of("*")).build());
        statements.add(PolicyStatement.Builder.create().sid(STATUS_SID).actions(List.of("lambda:InvokeFunction"))
                .resources(List.of(props.statusAliasArn())).build());
        statements.add(PolicyStatement.Builder.create().sid(STACK_SID).actions(List.of("cloudformation:DescribeStacks"))
                .resources(List.of(stack.getStackId())).build());
        this.policy = ManagedPolicy.Builder.create(this, "Policy")
                .managedPolicyName(policyName(props.config().clusterName()))
                .description("scripts/rolling-upgrade for the cluster " + props.config().clusterName()
                        + ": change its three groups only, read Auto Scaling and alarms, invoke its status function")
                .statements(statements)
                .build();
        Suppressions.accept(policy, "AwsSolutions-IAM5", "DescribeAutoScalingGroups, DescribeScalingActivities, "
                + "DescribeInstanceRefreshes and CloudWatch DescribeAlarms are read-only and support no resource-level "
                + "permissions: \"*\" is the resource IAM evaluates them against.", List.of("Resource::*"));
        Suppressions.accept(policy, "AwsSolutions-IAM5", "An Auto Scaling group ARN contains a UUID assigned when the "
                + "group is created; the wildcard stands for that UUID only, and the group name after it pins each "
                + "ARN to one of this cluster's three groups.", props.config().groupNames().stream()
                .map(name -> "Resource::arn:<AWS::Partition>:autoscaling:<AWS::Region>:<AWS::AccountId>:"
                        + "autoScalingGroup:*:autoScalingGroupName/" + name)
                .toList());
    }

    public static String policyName(String clusterName) {
        return clusterName + "-rolling-upgrade";
    }

    public ManagedPolicy policy() {
        return policy;
    }
}
