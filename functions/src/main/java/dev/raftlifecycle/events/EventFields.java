package dev.raftlifecycle.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;
import java.util.regex.Pattern;

/** What the two parsers share: reading an event's JSON and its string fields, each problem named by its path. */
final class EventFields {
    /** A duplicated key is rejected, not silently resolved to its last value. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    /** EventBridge's own limit for an event. */
    static final int MAX_EVENT_BYTES = 256 * 1024;
    static final Pattern INSTANCE_ID = Pattern.compile("i-[0-9a-f]{8,17}");
    private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");

    /** The event's {@code account}: "" when absent (refused later, by the handler); malformed fails here. */
    static String account(JsonNode root) {
        String account = optionalString(root, "account", "account").orElse("");
        if (!account.isEmpty() && !ACCOUNT.matcher(account).matches()) {
            throw new InvalidEventException("account", "is not an AWS account id: '" + account + "'");
        }
        return account;
    }

    private EventFields() {
    }

    /** Over the size limit: refused before any parsing. */
    static void checkSize(byte[] json) {
        if (json.length > MAX_EVENT_BYTES) {
            throw new InvalidEventException("event", "is larger than 256 KiB (" + json.length + " bytes)");
        }
    }

    /** The event's top-level JSON object. */
    static JsonNode object(byte[] json) {
        checkSize(json);
        if (json.length == 0) {
            throw new InvalidEventException("event", "is empty");
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidEventException("event", "malformed JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new InvalidEventException("event", "unreadable: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidEventException("event", "must be a JSON object");
        }
        return root;
    }

    /** A required, non-blank string. */
    static String string(JsonNode node, String name, String path) {
        String value = optionalString(node, name, path).orElseThrow(() -> new InvalidEventException(path, "is missing"));
        if (value.isBlank()) {
            throw new InvalidEventException(path, "is empty");
        }
        return value;
    }

    /** A string that may be absent (or null); present, it must be a string. */
    static Optional<String> optionalString(JsonNode node, String name, String path) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw new InvalidEventException(path, "must be a string, not " + value.getNodeType().name().toLowerCase());
        }
        return Optional.of(value.asText());
    }
}
