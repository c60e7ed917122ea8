package dev.raftlifecycle.ports;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Builds the AWS SDK's generated clients the handlers use (Auto Scaling, EC2, CloudWatch, DynamoDB): one small
 * URLConnection HTTP client shared by all, the region explicit, the SDK's standard retry mode (its attempts, backoff,
 * throttling and clock-skew handling) with a per-attempt and a per-call timeout.
 *
 * <p>Endpoints are the SDK's to resolve: {@code AWS_USE_FIPS_ENDPOINT}, {@code AWS_USE_DUALSTACK_ENDPOINT},
 * {@code AWS_ENDPOINT_URL} and {@code AWS_ENDPOINT_URL_<SERVICE>} (and their system properties and profile
 * settings) work as they do for every user of the SDK, as does {@code AWS_MAX_ATTEMPTS}. The one override this class
 * applies is {@code endpoint}, which only the in-process rig and lab pass (many emulators in one JVM, where one
 * process-wide variable cannot serve): a Lambda function's settings never carry one.
 */
public final class AwsClients {
    /** One attempt of any call is cut after this (the SDK aborts it and retries within the call's budget). */
    public static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(8);
    /** A whole call, its retries included. */
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(10);

    /** Credentials that exist nowhere: for rehearsals and signing samples before a snapshot. */
    public static final AwsBasicCredentials THROWAWAY = AwsBasicCredentials.create("AKIAPRIMINGPRIMING00", "priming");

    private final Region region;
    private final Optional<URI> endpoint;
    private final AwsCredentialsProvider credentials;
    private final SdkHttpClient http;

    public AwsClients(String region, Optional<URI> endpoint, AwsCredentialsProvider credentials) {
        this(Region.of(region), endpoint, credentials, UrlConnectionHttpClient.builder()
                .connectionTimeout(CONNECT_TIMEOUT)
                .socketTimeout(SOCKET_TIMEOUT)
                .build());
    }

    /** Over a given HTTP client (tests of the ports, and the rehearsal). */
    public AwsClients(String region, Optional<URI> endpoint, AwsCredentialsProvider credentials, SdkHttpClient http) {
        this(Region.of(region), endpoint, credentials, http);
    }

    private AwsClients(Region region, Optional<URI> endpoint, AwsCredentialsProvider credentials, SdkHttpClient http) {
        this.region = region;
        this.endpoint = endpoint;
        this.credentials = credentials;
        this.http = http;
    }

    /**
     * The same clients (region, endpoint, timeouts, retries) over {@code canned} with throwaway credentials: for
     * rehearsing the request path before a snapshot, never for a real call.
     */
    public AwsClients rehearsal(CannedAwsHttp canned) {
        return new AwsClients(region, endpoint, StaticCredentialsProvider.create(THROWAWAY), canned);
    }

    public AwsCredentialsProvider credentials() {
        return credentials;
    }

    public AutoScalingClient autoScaling() {
        return configure(AutoScalingClient.builder());
    }

    public Ec2Client ec2() {
        return configure(Ec2Client.builder());
    }

    public KmsClient kms() {
        return configure(KmsClient.builder());
    }

    public CloudWatchClient cloudWatch() {
        return configure(CloudWatchClient.builder());
    }

    public DynamoDbClient dynamoDb() {
        return configure(DynamoDbClient.builder());
    }

    /**
     * S3 (the snapshot bucket). Path-style addressing with an endpoint override (an emulator has no per-bucket DNS);
     * virtual-hosted, as S3 wants, otherwise. An upload part's attempt may take longer than other calls' (8 MiB over a
     * slow link), so its attempt timeout is the whole call's.
     */
    public S3Client s3() {
        return prepare(S3Client.builder().forcePathStyle(endpoint.isPresent()), S3_CALL_TIMEOUT, S3_CALL_TIMEOUT)
                .build();
    }

    /** One S3 call (an 8 MiB part) with its retries. */
    public static final Duration S3_CALL_TIMEOUT = Duration.ofSeconds(60);

    /**
     * Any generated client of the SDK with this configuration (region, credentials, endpoint, HTTP client, retries,
     * the standard timeouts): for the operator module's clients (CloudFormation, Lambda), services the functions never
     * call and whose SDK modules the Lambda jar does not carry.
     */
    public <B extends AwsClientBuilder<B, C> & SdkSyncClientBuilder<B, C>, C> C configure(B builder) {
        return prepare(builder, ATTEMPT_TIMEOUT, CALL_TIMEOUT).build();
    }

    /** As {@link #configure(AwsClientBuilder)} with an attempt and a call timeout of its own. */
    public <B extends AwsClientBuilder<B, C> & SdkSyncClientBuilder<B, C>, C> C configure(B builder, Duration attempt,
                                                                                             Duration call) {
        return prepare(builder, attempt, call).build();
    }

    private <B extends AwsClientBuilder<B, C> & SdkSyncClientBuilder<B, C>, C> B prepare(B builder, Duration attempt,
                                                                                           Duration call) {
        builder.region(region)
                .credentialsProvider(credentials)
                .httpClient(http)
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .apiCallTimeout(call)
                        .apiCallAttemptTimeout(attempt)
                        // STANDARD unless AWS_RETRY_MODE says otherwise; AWS_MAX_ATTEMPTS sets its attempts (3).
                        .retryStrategy(RetryMode.defaultRetryMode() == RetryMode.LEGACY ? RetryMode.STANDARD
                                : RetryMode.defaultRetryMode())
                        .build());
        endpoint.ifPresent(builder::endpointOverride);
        return builder;
    }
}
