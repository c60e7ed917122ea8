package dev.raftlifecycle.infra;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awscdk.CfnElement;
import software.amazon.awscdk.Stack;
import software.constructs.IConstruct;

/** Small queries over a synthesized template's JSON. */
final class Cfn {
    private Cfn() {
    }

    static Map<String, JsonNode> resources(JsonNode template, String type) {
        Map<String, JsonNode> found = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : template.get("Resources").properties()) {
            if (entry.getValue().path("Type").asText().equals(type)) {
                found.put(entry.getKey(), entry.getValue());
            }
        }
        return found;
    }

    static JsonNode resource(JsonNode template, String logicalId) {
        JsonNode resource = template.get("Resources").get(logicalId);
        if (resource == null) {
            throw new AssertionError("no resource " + logicalId + " in the template");
        }
        return resource;
    }

    /** The logical id CloudFormation sees for a construct (its default child if it is an L2). */
    static String logicalId(Stack stack, IConstruct construct) {
        IConstruct element = construct instanceof CfnElement ? construct : construct.getNode().getDefaultChild();
        return (String) stack.resolve(stack.getLogicalId((CfnElement) element));
    }

    /** Every statement of the AWS::IAM::Policy resources attached to the role. */
    static List<JsonNode> identityStatements(JsonNode template, String roleLogicalId) {
        return CfnTemplate.identityStatements(template, roleLogicalId);
    }

    static List<String> strings(JsonNode node) {
        List<String> values = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> values.add(n.isTextual() ? n.asText() : n.toString()));
        } else if (!node.isMissingNode() && !node.isNull()) {
            values.add(node.isTextual() ? node.asText() : node.toString());
        }
        return values;
    }

    /** All actions allowed by the statements. */
    static Set<String> actions(List<JsonNode> statements) {
        Set<String> actions = new TreeSet<>();
        statements.forEach(s -> actions.addAll(strings(s.path("Action"))));
        return actions;
    }

    /** The statements allowing the action. */
    static List<JsonNode> allowing(List<JsonNode> statements, String action) {
        return statements.stream()
                .filter(s -> s.path("Effect").asText().equals("Allow") && strings(s.path("Action")).contains(action))
                .toList();
    }

    static String flatten(JsonNode node) {
        return CfnTemplate.flatten(node);
    }
}
