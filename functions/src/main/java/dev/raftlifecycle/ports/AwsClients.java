package dev.raftlifecycle.ports;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.builder.SdkSyncClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Builds the AWS clients the handlers use (the SDK's for DynamoDB and CloudWatch, this project's Query-protocol one
 * for EC2 and Auto Scaling): one small URLConnection HTTP client shared by all (cheap to load on a cold start), explicit timeouts, the SDK's standard bounded retries, an optional endpoint
 * override (AWS_ENDPOINT_URL, for the local rig and lab only).
 */
public final class AwsClients {
    private final Region region;
    private final Optional<URI> endpoint;
    private final AwsCredentialsProvider credentials;
    private final SdkHttpClient http;

    public AwsClients(String region, Optional<URI> endpoint, AwsCredentialsProvider credentials) {
        this(Region.of(region), endpoint, credentials, UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(2))
                .socketTimeout(Duration.ofSeconds(10))
                .build());
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
        return new AwsClients(region, endpoint,
                software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(THROWAWAY), canned);
    }

    /** Credentials that exist nowhere: for rehearsals and signing samples before a snapshot. */
    public static final software.amazon.awssdk.auth.credentials.AwsBasicCredentials THROWAWAY =
            software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("AKIAPRIMINGPRIMING00", "priming");

    public AwsCredentialsProvider credentials() {
        return credentials;
    }

    /** Auto Scaling in the Query protocol (see {@link AwsQuery} for why not the SDK's client). */
    public AwsQuery autoScaling() {
        return query("autoscaling", AutoScalingPort.API_VERSION);
    }

    /** EC2 in the Query protocol (the handlers call DescribeInstances only; see {@link AwsQuery} for why not the SDK's client). */
    public AwsQuery ec2() {
        return query("ec2", Ec2Port.API_VERSION);
    }

    private AwsQuery query(String service, String version) {
        return new AwsQuery(service, version, region.id(), endpoint, credentials, http, java.time.Clock.systemUTC());
    }

    public CloudWatchClient cloudWatch() {
        return configure(CloudWatchClient.builder());
    }

    public DynamoDbClient dynamoDb() {
        return configure(DynamoDbClient.builder());
    }

    private <B extends AwsClientBuilder<B, C> & SdkSyncClientBuilder<B, C>, C> C configure(B builder) {
        builder.region(region)
                .credentialsProvider(credentials)
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .apiCallTimeout(Duration.ofSeconds(20))
                        .apiCallAttemptTimeout(Duration.ofSeconds(8))
                        .retryStrategy(RetryMode.STANDARD)
                        .build());
        builder.httpClient(http);
        endpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }
}
