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
        List<JsonNode> statements = new ArrayList<>();
        resources(template, "AWS::IAM::Policy").values().forEach(policy -> {
            boolean attached = false;
            for (JsonNode role : policy.path("Properties").path("Roles")) {
                attached |= role.path("Ref").asText().equals(roleLogicalId);
            }
            if (attached) {
                policy.path("Properties").path("PolicyDocument").path("Statement").forEach(statements::add);
            }
        });
        JsonNode inline = resource(template, roleLogicalId).path("Properties").path("Policies");
        inline.forEach(p -> p.path("PolicyDocument").path("Statement").forEach(statements::add));
        return statements;
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

    /**
     * A string with its CloudFormation intrinsics flattened: Fn::Join parts concatenated, Refs written as
     * ${Ref:id}, GetAtts as ${GetAtt:id.attr}. Enough to read user data, dashboards and ARNs.
     */
    static String flatten(JsonNode node) {
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.has("Fn::Join")) {
            String separator = node.get("Fn::Join").get(0).asText();
            List<String> parts = new ArrayList<>();
            node.get("Fn::Join").get(1).forEach(part -> parts.add(flatten(part)));
            return String.join(separator, parts);
        }
        if (node.has("Ref")) {
            return "${Ref:" + node.get("Ref").asText() + "}";
        }
        if (node.has("Fn::GetAtt")) {
            return "${GetAtt:" + node.get("Fn::GetAtt").get(0).asText() + "." + node.get("Fn::GetAtt").get(1).asText()
                    + "}";
        }
        if (node.has("Fn::Base64")) {
            return flatten(node.get("Fn::Base64"));
        }
        return node.toString();
    }
}
