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
 * handler's {@code dynamodb:LeadingKeys} condition does not allow ({@link RigIam#allowsItem}), and a KMS key use
 * whose key is disabled (the key state is read from moto, never kept here).
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
