package dev.raftlifecycle.ports;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;

/**
 * Builds the AWS ports' connections (EC2, Auto Scaling, DynamoDB, CloudWatch: this project's signed POSTs, see
 * {@link AwsSignedPost}): one small URLConnection HTTP client shared by all (cheap to load on a cold start), explicit
 * timeouts, bounded retries, an optional endpoint override (AWS_ENDPOINT_URL, for the local rig and lab only).
 */
public final class AwsClients {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private final Region region;
    private final Optional<URI> endpoint;
    private final AwsCredentialsProvider credentials;
    private final SdkHttpClient http;

    public AwsClients(String region, Optional<URI> endpoint, AwsCredentialsProvider credentials) {
        this(Region.of(region), endpoint, credentials, UrlConnectionHttpClient.builder()
                .connectionTimeout(CONNECT_TIMEOUT)
                .socketTimeout(AwsSignedPost.READ_TIMEOUT)
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

    /** Auto Scaling in the Query protocol (see {@link AwsSignedPost} for why not the SDK's client). */
    public AwsQuery autoScaling() {
        return query("autoscaling", AutoScalingPort.API_VERSION);
    }

    /** EC2 in the Query protocol (the handlers call DescribeInstances only; see {@link AwsSignedPost} for why not the SDK's client). */
    public AwsQuery ec2() {
        return query("ec2", Ec2Port.API_VERSION);
    }

    private AwsQuery query(String service, String version) {
        return new AwsQuery(post(service), version);
    }

    private AwsSignedPost post(String service) {
        return new AwsSignedPost(service, region.id(), endpoint, credentials, http, java.time.Clock.systemUTC());
    }

    /** CloudWatch in the Query protocol (the publisher's metrics; see {@link AwsSignedPost} for why not the SDK's client). */
    public AwsQuery cloudWatch() {
        return query("monitoring", CloudWatchPort.API_VERSION);
    }

    /** DynamoDB in its JSON protocol (the lock and the records; see {@link AwsSignedPost} for why not the SDK's client). */
    public DynamoDb dynamoDb() {
        return new DynamoDb(post("dynamodb"));
    }
}
