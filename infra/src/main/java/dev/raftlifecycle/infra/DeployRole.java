package dev.raftlifecycle.infra;

import software.amazon.awscdk.DefaultStackSynthesizer;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.IStackSynthesizer;
import software.amazon.awscdk.Stack;

/**
 * The role CloudFormation deploys the stack as: the context value {@code cloudFormationRoleArn} when given, else the
 * CDK bootstrap's CloudFormation execution role (cdk-&lt;qualifier&gt;-cfn-exec-role-&lt;account&gt;-&lt;region&gt;),
 * as the stack's synthesizer names it: the principal CloudFormation creates, updates and deletes this stack's
 * resources as. Resource policies that must keep CloudFormation able to manage their resource name it.
 */
final class DeployRole {
    private DeployRole() {
    }

    /**
     * The role's ARN, or null when the synthesizer deploys with the caller's own credentials (no such role). An
     * environment-agnostic stack's ARN carries {@code ${AWS::AccountId}}-style placeholders: Fn::Sub fills them.
     */
    static String arn(Stack stack, ClusterConfig config) {
        return config.cloudFormationRoleArn().orElseGet(() -> arn(stack));
    }

    /** The bootstrap's execution role as the synthesizer names it, or null (see above). */
    static String arn(Stack stack) {
        IStackSynthesizer synthesizer = stack.getSynthesizer();
        if (synthesizer instanceof DefaultStackSynthesizer defaults) {
            String arn = defaults.getCloudFormationExecutionRoleArn();
            return arn.contains("${") ? Fn.sub(arn) : arn;
        }
        return null;
    }
}
