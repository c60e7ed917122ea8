package dev.raftlifecycle.ports;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.decisions.ClusterStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

/**
 * Lambda Invoke of the publisher's status entry point ({@code {"status":true}}), synchronously, its answer read as a
 * {@link ClusterStatus}. A function error or a payload that is not a status is {@link Unreadable}: the caller cannot
 * classify the cluster from it.
 */
public final class StatusFunctionPort {
    /** The payload that asks the publisher for its status and nothing else. */
    public static final String STATUS_REQUEST = "{\"status\":true}";
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final int EXCERPT = 300;

    private final LambdaClient client;

    public StatusFunctionPort(LambdaClient client) {
        this.client = client;
    }

    /** The function answered, but not with a status. */
    public static final class Unreadable extends Exception {
        public Unreadable(String message) {
            super(message);
        }
    }

    /** @throws software.amazon.awssdk.core.exception.SdkException the call itself failed */
    public ClusterStatus status(String functionName) throws Unreadable {
        InvokeResponse response = client.invoke(r -> r.functionName(functionName)
                .payload(SdkBytes.fromString(STATUS_REQUEST, StandardCharsets.UTF_8)));
        String payload = response.payload() == null ? "" : response.payload().asUtf8String();
        if (response.functionError() != null) {
            throw new Unreadable(functionName + " returned a function error (" + response.functionError() + "): "
                    + excerpt(payload));
        }
        try {
            ClusterStatus status = JSON.readValue(payload, ClusterStatus.class);
            if (status == null) {
                throw new Unreadable(functionName + " returned null instead of a status");
            }
            return status;
        } catch (IOException | RuntimeException e) {
            throw new Unreadable(functionName + " returned something that is not a status ("
                    + e.getClass().getSimpleName() + "): " + excerpt(payload));
        }
    }

    private static String excerpt(String payload) {
        String flat = payload.replaceAll("\\s+", " ");
        return flat.length() <= EXCERPT ? flat : flat.substring(0, EXCERPT) + "...";
    }
}
