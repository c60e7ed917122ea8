package dev.raftlifecycle.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.infra.TestStacks.Scenario;
import dev.raftlifecycle.infra.TestStacks.Synthesized;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The roll operator's managed policy: what scripts/rolling-upgrade needs, mutations scoped to the cluster's groups. */
class RollOperatorPolicyTest {
    private final Synthesized synth = TestStacks.get(Scenario.DEFAULT);
    private final JsonNode template = synth.json();
    private final RaftLifecycleStack stack = synth.stack();

    private JsonNode policy() {
        return Cfn.resource(template, Cfn.logicalId(stack, stack.rollOperator().policy())).path("Properties");
    }

    private List<JsonNode> statements() {
        List<JsonNode> out = new ArrayList<>();
        policy().path("PolicyDocument").path("Statement").forEach(out::add);
        return out;
    }

    private static List<String> resources(JsonNode statement) {
        List<String> out = new ArrayList<>();
        JsonNode resource = statement.path("Resource");
        (resource.isArray() ? resource : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode()
                .add(resource)).forEach(r -> out.add(Cfn.flatten(r)));
        return out;
    }

    @Test
    void aManagedPolicyNamedAfterTheClusterWithItsArnAsAnOutput() {
        assertThat(policy().path("ManagedPolicyName").asText()).isEqualTo(synth.config().clusterName() + "-rolling-upgrade");
        assertThat(template.path("Outputs").path("RollingUpgradePolicyArn").path("Value").path("Ref").asText())
                .isEqualTo(Cfn.logicalId(stack, stack.rollOperator().policy()));
        assertThat(policy().path("Roles").isMissingNode() && policy().path("Users").isMissingNode()
                && policy().path("Groups").isMissingNode()).as("attached by the operator, not by the stack").isTrue();
    }

    @Test
    void exactlyTheActionsTheRollMakes() {
        Set<String> actions = new HashSet<>(Cfn.actions(statements()));
        assertThat(actions).containsExactlyInAnyOrder("cloudformation:DescribeStacks", "cloudwatch:DescribeAlarms",
                "lambda:InvokeFunction", "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeScalingActivities",
                "autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup",
                "autoscaling:StartInstanceRefresh", "autoscaling:DescribeInstanceRefreshes",
                "autoscaling:CancelInstanceRefresh");
        assertThat(statements()).allSatisfy(s -> {
            assertThat(s.path("Effect").asText()).isEqualTo("Allow");
            assertThat(s.has("NotAction") || s.has("NotResource")).isFalse();
            assertThat(Cfn.strings(s.path("Action"))).noneMatch(a -> a.contains("*"));
        });
    }

    @Test
    void mutationsOnlyOnTheClustersThreeGroups() {
        List<String> expected = synth.config().groupNames().stream()
                .map(g -> "arn:${Ref:AWS::Partition}:autoscaling:${Ref:AWS::Region}:${Ref:AWS::AccountId}:"
                        + "autoScalingGroup:*:autoScalingGroupName/" + g).toList();
        for (String mutation : RollOperatorPolicy.MUTATIONS) {
            List<JsonNode> granting = Cfn.allowing(statements(), mutation);
            assertThat(granting).as(mutation).isNotEmpty().allSatisfy(s ->
                    assertThat(resources(s)).as(mutation).containsExactlyInAnyOrderElementsOf(expected));
        }
    }

    @Test
    void wildcardResourcesOnlyForReadsWithoutResourceLevelPermissions() {
        for (JsonNode s : statements()) {
            if (resources(s).contains("*")) {
                assertThat(Cfn.strings(s.path("Action"))).containsAnyOf("autoscaling:DescribeAutoScalingGroups",
                        "cloudwatch:DescribeAlarms").allSatisfy(a -> assertThat(a).matches(
                        "(autoscaling|cloudwatch):Describe[A-Za-z]+"));
            }
        }
    }

    @Test
    void theStatusFunctionsLiveAliasAndThisStackOnly() {
        String alias = Cfn.logicalId(stack, stack.automation().publisher().alias());
        assertThat(Cfn.resource(template, alias).path("Properties").path("Name").asText())
                .isEqualTo(dev.raftlifecycle.contract.HandlerNames.ALIAS_NAME);
        assertThat(Cfn.allowing(statements(), "lambda:InvokeFunction")).singleElement()
                .satisfies(s -> assertThat(resources(s)).containsExactly("${Ref:" + alias + "}"));
        assertThat(Cfn.allowing(statements(), "cloudformation:DescribeStacks")).singleElement()
                .satisfies(s -> assertThat(resources(s)).containsExactly("${Ref:AWS::StackId}"));
    }

    @Test
    void theRigsExportBindsTheSameStatements() {
        JsonNode exported = HandlerPolicies.exportOperator(template, stack, synth.config());
        assertThat(exported).hasSize(statements().size());
        String text = exported.toString();
        assertThat(text).contains("arn:{partition}:autoscaling:{region}:{account}:autoScalingGroup:*:autoScalingGroupName/{group}",
                "arn:{partition}:lambda:{region}:{account}:function:{statusFunction}:live",
                "arn:{partition}:cloudformation:{region}:{account}:stack/{stack}/*").doesNotContain("${");
    }
}
