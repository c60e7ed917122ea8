package dev.raftlifecycle.infra;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Reading a synthesized template's JSON: the statements attached to a role, intrinsics flattened to strings. */
public final class CfnTemplate {
    private CfnTemplate() {
    }

    /** Every statement of the AWS::IAM::Policy resources attached to the role, and of its inline policies. */
    public static List<JsonNode> identityStatements(JsonNode template, String roleLogicalId) {
        List<JsonNode> statements = new ArrayList<>();
        for (JsonNode resource : template.path("Resources")) {
            if (!resource.path("Type").asText().equals("AWS::IAM::Policy")) {
                continue;
            }
            boolean attached = false;
            for (JsonNode role : resource.path("Properties").path("Roles")) {
                attached |= role.path("Ref").asText().equals(roleLogicalId);
            }
            if (attached) {
                resource.path("Properties").path("PolicyDocument").path("Statement").forEach(statements::add);
            }
        }
        JsonNode role = template.path("Resources").path(roleLogicalId);
        if (role.isMissingNode()) {
            throw new IllegalArgumentException("no resource " + roleLogicalId + " in the template");
        }
        role.path("Properties").path("Policies").forEach(p -> p.path("PolicyDocument").path("Statement")
                .forEach(statements::add));
        return statements;
    }

    /**
     * A string with its CloudFormation intrinsics flattened: Fn::Join parts concatenated, Refs written as
     * ${Ref:id}, GetAtts as ${GetAtt:id.attr}, a plain Fn::Sub as its string. Enough to read user data, dashboards and ARNs.
     */
    public static String flatten(JsonNode node) {
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
        if (node.has("Fn::Sub") && node.get("Fn::Sub").isTextual()) {
            return node.get("Fn::Sub").asText(); // ${AWS::AccountId}-style placeholders left as they are
        }
        if (node.has("Fn::Base64")) {
            return flatten(node.get("Fn::Base64"));
        }
        return node.toString();
    }
}
