package dev.raftlifecycle.ports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * The DynamoDB item operations the lock and the records use (GetItem with a consistent read, PutItem and DeleteItem
 * with an optional condition), in DynamoDB's JSON 1.0 protocol over {@link AwsSignedPost}. Items are DynamoDB's
 * own JSON ({@code {"Owner": {"S": "..."}}}); a failed condition is a {@code false}, not an exception.
 */
public final class DynamoDb {
    /** The JSON protocol's target prefix: API version 2012-08-10. */
    static final String TARGET_PREFIX = "DynamoDB_20120810.";
    private static final String CONDITION_FAILED = "ConditionalCheckFailedException";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AwsSignedPost post;

    public DynamoDb(AwsSignedPost post) {
        this.post = post;
    }

    /** A condition expression with its attribute names ({@code #k}) and values ({@code :v}). */
    public record Condition(String expression, Map<String, String> names, Map<String, JsonNode> values) {
        public static Condition of(String expression) {
            return new Condition(expression, Map.of(), Map.of());
        }
    }

    /** A string attribute value. */
    public static JsonNode s(String value) {
        return JSON.createObjectNode().put("S", value);
    }

    /** A number attribute value. */
    public static JsonNode n(long value) {
        return JSON.createObjectNode().put("N", Long.toString(value));
    }

    /** A map attribute value. */
    public static JsonNode m(Map<String, JsonNode> values) {
        ObjectNode map = JSON.createObjectNode();
        map.set("M", attributes(values));
        return map;
    }

    /** The item of that key, read consistently; empty when there is none. */
    public Optional<JsonNode> getItem(String table, Map<String, JsonNode> key) {
        ObjectNode request = JSON.createObjectNode().put("TableName", table).put("ConsistentRead", true);
        request.set("Key", attributes(key));
        JsonNode item = call("GetItem", request).path("Item");
        return item.isObject() ? Optional.of(item) : Optional.empty();
    }

    /** Writes the item; false when {@code condition} (if any) did not hold, and nothing was written. */
    public boolean putItem(String table, Map<String, JsonNode> item, Optional<Condition> condition) {
        ObjectNode request = JSON.createObjectNode().put("TableName", table);
        request.set("Item", attributes(item));
        return conditional("PutItem", request, condition);
    }

    /** Deletes the item; false when {@code condition} did not hold, and nothing was deleted. */
    public boolean deleteItem(String table, Map<String, JsonNode> key, Condition condition) {
        ObjectNode request = JSON.createObjectNode().put("TableName", table);
        request.set("Key", attributes(key));
        return conditional("DeleteItem", request, Optional.of(condition));
    }

    private boolean conditional(String operation, ObjectNode request, Optional<Condition> condition) {
        condition.ifPresent(c -> {
            request.put("ConditionExpression", c.expression());
            if (!c.names().isEmpty()) {
                ObjectNode names = request.putObject("ExpressionAttributeNames");
                c.names().forEach(names::put);
            }
            if (!c.values().isEmpty()) {
                request.set("ExpressionAttributeValues", attributes(c.values()));
            }
        });
        try {
            call(operation, request);
            return true;
        } catch (AwsCallException e) {
            if (CONDITION_FAILED.equals(e.code())) {
                return false;
            }
            throw e;
        }
    }

    private static ObjectNode attributes(Map<String, JsonNode> values) {
        ObjectNode node = JSON.createObjectNode();
        values.forEach(node::set);
        return node;
    }

    private JsonNode call(String operation, ObjectNode request) {
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(request);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a DynamoDB request", e);
        }
        byte[] answer = post.post(operation, body, Map.of("Content-Type", "application/x-amz-json-1.0",
                "X-Amz-Target", TARGET_PREFIX + operation), DynamoDb::error);
        try {
            return answer.length == 0 ? JSON.createObjectNode() : JSON.readTree(answer);
        } catch (IOException e) {
            throw new AwsCallException(post.service(), operation, 200, "MalformedResponse", e.getMessage(), null);
        }
    }

    /** {@code {"__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", "message": "..."}}. */
    private static AwsSignedPost.ErrorDetails error(int status, byte[] body) {
        JsonNode error;
        try {
            error = JSON.readTree(body);
        } catch (IOException e) {
            error = null;
        }
        if (error == null || !error.isObject()) {
            return new AwsSignedPost.ErrorDetails("HTTP" + status, "", null);
        }
        String type = error.path("__type").asText("");
        String code = type.isEmpty() ? "HTTP" + status : type.substring(type.lastIndexOf('#') + 1);
        String message = error.path("message").asText(error.path("Message").asText(""));
        return new AwsSignedPost.ErrorDetails(code, message, null);
    }

    /** The string attribute of an item, if present. */
    public static Optional<String> string(JsonNode item, String attribute) {
        JsonNode v = item.path(attribute).path("S");
        return v.isTextual() ? Optional.of(v.asText()) : Optional.empty();
    }

    /** The number attribute of an item, if present. */
    public static Optional<Long> number(JsonNode item, String attribute) {
        JsonNode v = item.path(attribute).path("N");
        return v.isTextual() ? Optional.of(Long.parseLong(v.asText())) : Optional.empty();
    }
}
