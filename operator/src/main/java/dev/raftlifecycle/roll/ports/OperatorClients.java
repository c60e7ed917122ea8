package dev.raftlifecycle.roll.ports;

import dev.raftlifecycle.ports.AwsClients;
import java.time.Duration;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * The operator's own AWS clients (CloudFormation for the stack's outputs, Lambda for the status function), configured
 * as the functions' clients are ({@link AwsClients}: region, endpoint, credentials, HTTP client, retries). They live
 * here, not in functions: the Lambda jar never calls these services and does not carry their SDK modules.
 */
public final class OperatorClients {
    /** One Lambda Invoke of the status function, cold start and the cluster's reads included. */
    public static final Duration LAMBDA_CALL_TIMEOUT = Duration.ofSeconds(60);

    private OperatorClients() {
    }

    public static CloudFormationClient cloudFormation(AwsClients clients) {
        return clients.configure(CloudFormationClient.builder());
    }

    /**
     * Lambda (the roll invokes the status function): a cold publisher reads the whole cluster before it answers, so an
     * attempt may take as long as the whole call.
     */
    public static LambdaClient lambda(AwsClients clients) {
        return clients.configure(LambdaClient.builder(), LAMBDA_CALL_TIMEOUT, LAMBDA_CALL_TIMEOUT);
    }
}
