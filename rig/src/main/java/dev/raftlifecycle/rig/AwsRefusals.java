package dev.raftlifecycle.rig;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The refusals AWS makes that moto does not, answered by the front with AWS's error: a DynamoDB item request that the
 * handler's {@code dynamodb:LeadingKeys} condition does not allow ({@link RigIam#allowsItem}), a KMS key use
 * whose key is disabled (the key state is read from moto, never kept here), and the resource scoping of the roll
 * operator's policy ({@link #policyRefused}; moto evaluates every call against the resource "*").
 */
final class AwsRefusals {
    private static final Set<String> KMS_KEY_USE = Set.of("Encrypt", "Decrypt", "GenerateDataKey",
            "GenerateDataKeyWithoutPlaintext", "ReEncrypt");
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private final software.amazon.awssdk.services.kms.KmsClient kms;
    private final RigIam iam;

    /**
     * @param kms the rig's own KMS client (the key state it reads)
     * @param iam the handlers' roles (the LeadingKeys check)
     */
    AwsRefusals(software.amazon.awssdk.services.kms.KmsClient kms, RigIam iam) {
        this.kms = kms;
        this.iam = iam;
    }

    /**
     * A handler's DynamoDB item request that its synthesized statements' {@code dynamodb:LeadingKeys} do not allow:
     * answered here with AWS's AccessDeniedException (true), or left to moto (false).
     */
    boolean itemRefused(HttpExchange exchange, String accessKeyId, String action, byte[] body)
            throws IOException {
        Optional<RigIam.Caller> caller = iam.caller(accessKeyId);
        if (caller.isEmpty() || !Set.of("GetItem", "PutItem", "DeleteItem", "UpdateItem").contains(action)) {
            return false;
        }
        com.fasterxml.jackson.databind.JsonNode request = JSON.readTree(body);
        com.fasterxml.jackson.databind.JsonNode key = (action.equals("PutItem") ? request.path("Item") : request.path("Key"))
                .path(dev.raftlifecycle.contract.LockTable.PARTITION_KEY).path("S");
        String iamAction = "dynamodb:" + action;
        if (key.isMissingNode() || iam.allowsItem(caller.get(), iamAction, key.asText())) {
            return false;
        }
        byte[] error = JSON.writeValueAsBytes(Map.of("__type", "com.amazon.coral.service#AccessDeniedException",
                "message", "User: " + caller.get().handler() + " is not authorized to perform: " + iamAction
                        + " on the item " + key.asText() + " because no identity-based policy allows it"
                        + " (dynamodb:LeadingKeys)"));
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.0");
        exchange.getResponseHeaders().set("x-amzn-ErrorType", "AccessDeniedException");
        exchange.sendResponseHeaders(400, error.length);
        try (OutputStream stream = exchange.getResponseBody()) {
            stream.write(error);
        }
        return true;
    }

    /** The service's action and the ARN IAM evaluates it against. */
    private record Target(String action, String resource) {
    }

    private static final java.util.regex.Pattern LAMBDA_INVOKE =
            java.util.regex.Pattern.compile("POST /2015-03-31/functions/([^/]+)/invocations");

    /**
     * A call IAM would refuse that moto would not, answered here with AWS's AccessDenied (true), or left to the front
     * (false):
     * <ul>
     * <li>by the roll operator's credentials ({@link RigIam#operatorCredentials}): the Auto Scaling mutations
     * (SetDesiredCapacity, TerminateInstanceInAutoScalingGroup, Start/CancelInstanceRefresh) evaluated against the
     * group's ARN (moto's; for a terminate, the group moto has the instance in), Lambda Invoke against the function's
     * ARN with its qualifier (an unqualified invoke is the function's ARN alone), CloudFormation DescribeStacks against
     * the stack's ARN; the other calls' actions are moto's to check.</li>
     * <li>TerminateInstanceInAutoScalingGroup by anyone: the lab's Auto Scaling stand-in answers it without moto (moto
     * would terminate at once), so the permission is evaluated here: the rig's own principal is allowed, a handler's
     * role by its synthesized statements' actions (as moto would: resource "*"), an operator as above; credentials the
     * rig holds no policy of are refused (it cannot tell).</li>
     * </ul>
     */
    boolean policyRefused(HttpExchange exchange, String accessKeyId, String service, String action,
                          Map<String, String> params) throws IOException {
        Optional<java.util.List<com.fasterxml.jackson.databind.JsonNode>> operator = iam.operatorStatements(accessKeyId);
        boolean terminate = "autoscaling".equals(service) && "TerminateInstanceInAutoScalingGroup".equals(action);
        if (operator.isEmpty()) {
            if (!terminate || iam.isAdmin(accessKeyId)) {
                return false;
            }
            Optional<RigIam.Caller> caller = iam.caller(accessKeyId);
            if (caller.isPresent() && RigIam.allows(caller.get().statements(),
                    "autoscaling:TerminateInstanceInAutoScalingGroup", null)) {
                return false;
            }
            refuse(exchange, service, accessKeyId, "autoscaling:TerminateInstanceInAutoScalingGroup", "*");
            return true;
        }
        Target target = target(service, action, params);
        if (target == null || RigIam.allows(operator.get(), target.action(), target.resource())) {
            return false;
        }
        refuse(exchange, service, accessKeyId, target.action(), target.resource());
        return true;
    }

    private Target target(String service, String action, Map<String, String> params) {
        switch (service) {
            case "autoscaling" -> {
                String group;
                if (Set.of("SetDesiredCapacity", "StartInstanceRefresh", "CancelInstanceRefresh").contains(action)) {
                    group = params.get("AutoScalingGroupName");
                } else if ("TerminateInstanceInAutoScalingGroup".equals(action)) {
                    String instance = params.get("InstanceId");
                    group = instance == null ? null : iam.groupOfInstance(instance);
                    if (group == null) {
                        return null; // no such instance in a group: the stand-in's (or moto's) ValidationError
                    }
                } else {
                    return null;
                }
                String arn = group == null ? null : iam.groupArn(group);
                return new Target("autoscaling:" + action, arn != null ? arn : iam.arnPrefix("autoscaling")
                        + "autoScalingGroup:unknown:autoScalingGroupName/" + (group == null ? "unknown" : group));
            }
            case "lambda" -> {
                java.util.regex.Matcher invoke = LAMBDA_INVOKE.matcher(action);
                if (!invoke.matches()) {
                    return null;
                }
                String name = invoke.group(1);
                String qualifier = params.get("Qualifier");
                String arn;
                if (name.startsWith("arn:")) {
                    arn = name;
                } else if (name.contains(":function:")) {
                    arn = "arn:aws:lambda:" + Rig.REGION.id() + ":" + name; // 123456789012:function:name[:qualifier]
                } else {
                    arn = iam.arnPrefix("lambda") + "function:" + name;
                }
                if (qualifier != null && !qualifier.isEmpty() && arn.split(":").length == 7) {
                    arn = arn + ":" + qualifier;
                }
                return new Target("lambda:InvokeFunction", arn);
            }
            case "cloudformation" -> {
                if (!"DescribeStacks".equals(action)) {
                    return null;
                }
                String stack = params.get("StackName");
                return new Target("cloudformation:DescribeStacks", stack == null ? "*" : stack.startsWith("arn:") ? stack
                        : iam.arnPrefix("cloudformation") + "stack/" + stack + "/00000000-0000-0000-0000-000000000000");
            }
            default -> {
                return null;
            }
        }
    }

    /** AWS's AccessDenied in the service's own format. */
    private static void refuse(HttpExchange exchange, String service, String accessKeyId, String action, String resource)
            throws IOException {
        String message = "User with access key " + accessKeyId + " is not authorized to perform: " + action
                + " on resource: " + resource + " because no identity-based policy allows the " + action + " action";
        byte[] body;
        if ("lambda".equals(service)) {
            body = JSON.writeValueAsBytes(Map.of("Type", "User", "Message", message, "message", message));
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.getResponseHeaders().set("x-amzn-ErrorType", "AccessDeniedException");
        } else {
            body = ("<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>"
                    + message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                    + "</Message></Error><RequestId>" + java.util.UUID.randomUUID() + "</RequestId></ErrorResponse>")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/xml");
        }
        exchange.getResponseHeaders().set("x-amzn-RequestId", java.util.UUID.randomUUID().toString());
        exchange.sendResponseHeaders(403, body.length);
        try (OutputStream stream = exchange.getResponseBody()) {
            stream.write(body);
        }
    }

    /**
     * A KMS key use (Encrypt, Decrypt...) that moto answered although its key is disabled: answered here with AWS's
     * DisabledException (true), or left as moto answered it (false).
     */
    boolean keyDisabled(HttpExchange exchange, byte[] body, HttpResponse<byte[]> response) throws IOException {
        String amzTarget = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        if (response.statusCode() == 200 && amzTarget != null && amzTarget.startsWith("TrentService.")
                && KMS_KEY_USE.contains(amzTarget.substring(amzTarget.indexOf('.') + 1))) {
            String action = amzTarget.substring(amzTarget.indexOf('.') + 1);
            String keyId = jsonField(action.equals("Decrypt") ? response.body() : body, "KeyId");
            if (keyId != null && !kmsKeyEnabled(keyId)) {
                byte[] error = JSON.writeValueAsBytes(Map.of("__type", "DisabledException",
                        "message", keyId + " is disabled."));
                exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
                exchange.sendResponseHeaders(400, error.length);
                try (OutputStream stream = exchange.getResponseBody()) {
                    stream.write(error);
                }
                return true;
            }
        }
        return false;
    }

    private static String jsonField(byte[] json, String field) {
        try {
            com.fasterxml.jackson.databind.JsonNode node = JSON.readTree(json);
            return node == null || !node.path(field).isTextual() ? null : node.path(field).asText();
        } catch (IOException e) {
            return null;
        }
    }

    /** Asks moto for the key's state, as the rig. */
    private boolean kmsKeyEnabled(String keyId) {
        try {
            return kms.describeKey(r -> r.keyId(keyId)).keyMetadata().keyState()
                    == software.amazon.awssdk.services.kms.model.KeyState.ENABLED;
        } catch (RuntimeException e) {
            return true; // cannot tell: do not invent a failure
        }
    }
}
