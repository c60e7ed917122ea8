package dev.raftlifecycle.roll.ports;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.decisions.ClusterStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.TooManyRequestsException;

/**
 * Lambda Invoke of the publisher's status entry point ({@code {"status":true}}), synchronously, through the qualifier
 * given (the stack's functions are invoked through their alias, {@code live}: the IAM allows {@code function:NAME:live}),
 * its answer read as a {@link ClusterStatus}. A function error or a payload that is not a status is {@link Unreadable}: the caller cannot
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

    /**
     * Lambda refused the invocation for lack of concurrency (TooManyRequestsException): the publisher has reserved
     * concurrency 1 and its scheduled run may hold it. Nothing is known of the cluster; the caller retries.
     */
    public static final class Throttled extends Exception {
        public Throttled(String message) {
            super(message);
        }
    }

    /**
     * @throws Throttled  Lambda throttled the invocation (retry it)
     * @throws Unreadable the function answered with an error or not with a status
     * @throws software.amazon.awssdk.core.exception.SdkException the call itself failed otherwise (no such function
     *         or qualifier: ResourceNotFoundException)
     */
    public ClusterStatus status(String function, String qualifier) throws Unreadable, Throttled {
        String functionName = function + ":" + qualifier; // how the messages name it
        InvokeResponse response;
        try {
            response = client.invoke(r -> r.functionName(function).qualifier(qualifier)
                    .payload(SdkBytes.fromString(STATUS_REQUEST, StandardCharsets.UTF_8)));
        } catch (TooManyRequestsException e) {
            throw new Throttled(functionName + " throttled (TooManyRequestsException"
                    + (e.reason() == null ? "" : " " + e.reasonAsString()) + ")");
        }
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
