package dev.raftlifecycle.rig;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The Lambda context a local invocation hands to a handler's entry point, as the Lambda runtime does: a request id, a
 * deadline, a logger. The lab's and the tests'.
 */
public final class LocalLambdaContext implements Context {
    private final String functionName;
    private final Instant deadline;
    private final String requestId = UUID.randomUUID().toString();
    private final Consumer<String> log;

    public LocalLambdaContext(String functionName, Duration timeout, Consumer<String> log) {
        this.functionName = functionName;
        this.deadline = Instant.now().plus(timeout);
        this.log = log;
    }

    /** A context for a test: the function "test", its log lines dropped. */
    public LocalLambdaContext(Duration timeout) {
        this("test", timeout, line -> { });
    }

    @Override
    public String getAwsRequestId() {
        return requestId;
    }

    @Override
    public String getLogGroupName() {
        return "/aws/lambda/" + functionName;
    }

    @Override
    public String getLogStreamName() {
        return "local";
    }

    @Override
    public String getFunctionName() {
        return functionName;
    }

    @Override
    public String getFunctionVersion() {
        return "$LATEST";
    }

    @Override
    public String getInvokedFunctionArn() {
        return "arn:aws:lambda:" + Rig.REGION.id() + ":" + EventBridgeEvents.ACCOUNT + ":function:" + functionName;
    }

    @Override
    public CognitoIdentity getIdentity() {
        return null;
    }

    @Override
    public ClientContext getClientContext() {
        return null;
    }

    @Override
    public int getRemainingTimeInMillis() {
        return (int) Math.max(0, Duration.between(Instant.now(), deadline).toMillis());
    }

    @Override
    public int getMemoryLimitInMB() {
        return 1024;
    }

    @Override
    public LambdaLogger getLogger() {
        return new LambdaLogger() {
            @Override
            public void log(String message) {
                log.accept(message);
            }

            @Override
            public void log(byte[] message) {
                log.accept(new String(message, StandardCharsets.UTF_8));
            }
        };
    }
}
