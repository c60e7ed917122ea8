package dev.raftlifecycle.ports;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;
import software.amazon.awssdk.regions.PartitionMetadata;
import software.amazon.awssdk.regions.Region;

/**
 * One AWS service's endpoint, spoken to by SigV4-signed POSTs over the shared SDK HTTP client: what the Query
 * ({@link AwsQuery}) and JSON ({@link AwsJson}) protocol ports send their bytes through. The generated SDK clients
 * of EC2, Auto Scaling and DynamoDB load some 3,000 classes on a cold start (the client classes refer to every
 * operation's request and response types, and verifying them loads them); the handlers call nine operations.
 *
 * <p>Retries, as the SDK's standard mode: at most {@value #MAX_ATTEMPTS} attempts, on an I/O failure, HTTP 5xx or
 * 429, and throttling or transient error codes, after a full-jitter exponential backoff (base 100 ms, 500 ms when
 * throttled, at most 20 s), and only while another attempt could end within {@link #CALL_TIMEOUT} (20 s) of the
 * first one. Anything else fails at once as
 * an {@link AwsCallException} with the service's error code and message.
 */
public final class AwsSignedPost {
    /** Attempts per call, as the SDK's standard retry mode. */
    public static final int MAX_ATTEMPTS = 3;
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(20);
    /** The HTTP client's read timeout: how long one attempt may wait for the answer's bytes. */
    public static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    private static final long BASE_DELAY_MS = 100;
    private static final long THROTTLED_BASE_DELAY_MS = 500;
    private static final long MAX_DELAY_MS = 20_000;
    private static final Set<String> THROTTLING = Set.of("Throttling", "ThrottlingException", "ThrottledException",
            "RequestThrottledException", "TooManyRequestsException", "RequestLimitExceeded", "BandwidthLimitExceeded",
            "RequestThrottled", "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
            "ProvisionedThroughputExceededException", "TransactionInProgressException");
    private static final Set<String> TRANSIENT = Set.of("RequestTimeout", "RequestTimeoutException", "InternalError",
            "InternalFailure", "InternalServerError", "ServiceUnavailable", "Unavailable");

    /** What a protocol reads from an answer that is not a success: the service's error code, message, request id. */
    public record ErrorDetails(String code, String message, String requestId) {
    }

    /** A protocol's reading of an error answer's body (never throws: a body it cannot read gives the status). */
    @FunctionalInterface
    public interface ErrorReader {
        ErrorDetails read(int status, byte[] body);
    }

    private final String service;
    private final String region;
    private final URI endpoint;
    private final AwsCredentialsProvider credentials;
    private final SdkHttpClient http;
    private final Clock clock;

    /**
     * @param service  the signing name and endpoint prefix ({@code ec2}, {@code autoscaling}, {@code dynamodb})
     * @param endpoint the endpoint override (the local rig), or empty for the region's public endpoint
     */
    public AwsSignedPost(String service, String region, Optional<URI> endpoint, AwsCredentialsProvider credentials,
                         SdkHttpClient http, Clock clock) {
        this.service = service;
        this.region = region;
        URI base = endpoint.orElseGet(() -> publicEndpoint(service, region));
        this.endpoint = base.getPath() == null || base.getPath().isEmpty() ? base.resolve("/") : base;
        this.credentials = credentials;
        this.http = http;
        this.clock = clock;
    }

    /** {@code https://<service>.<region>.<the partition's DNS suffix>}: amazonaws.com, amazonaws.com.cn, ... */
    static URI publicEndpoint(String service, String region) {
        return URI.create("https://" + service + "." + region + "." + PartitionMetadata.of(Region.of(region)).dnsSuffix());
    }

    public String service() {
        return service;
    }

    public URI endpoint() {
        return endpoint;
    }

    /**
     * Posts {@code body} (retrying as above) and returns the body of the 2xx answer.
     *
     * @param action  the operation, for errors and logs
     * @param headers the protocol's headers besides Host, Content-Length and the signature's
     */
    public byte[] post(String action, byte[] body, Map<String, String> headers, ErrorReader errors) {
        Instant deadline = clock.instant().plus(CALL_TIMEOUT);
        Random jitter = new Random(System.nanoTime() ^ Thread.currentThread().getId());
        for (int attempt = 1; ; attempt++) {
            AwsCallException failure;
            boolean retryable;
            boolean throttled;
            try {
                AwsCredentialsIdentity identity = credentials.resolveCredentials();
                HttpExecuteResponse response = send(identity, body, headers);
                int status = response.httpResponse().statusCode();
                byte[] answer = read(response.responseBody());
                if (status / 100 == 2) {
                    return answer;
                }
                ErrorDetails details = errors.read(status, answer);
                failure = new AwsCallException(service, action, status, details.code(), withoutSecrets(details.message(), identity),
                        details.requestId());
                throttled = status == 429 || THROTTLING.contains(details.code());
                retryable = throttled || status >= 500 || TRANSIENT.contains(details.code());
            } catch (IOException e) {
                failure = new AwsCallException(service, action, 0, "IOException",
                        e.getClass().getSimpleName() + ": " + e.getMessage(), null);
                retryable = true;
                throttled = false;
            }
            if (!retryable || attempt >= MAX_ATTEMPTS) {
                throw failure;
            }
            long cap = Math.min(MAX_DELAY_MS, (throttled ? THROTTLED_BASE_DELAY_MS : BASE_DELAY_MS) << attempt);
            long delay = (long) (jitter.nextDouble() * cap);
            // Another attempt only if it could end (at its read timeout) within the call's budget.
            if (clock.instant().plusMillis(delay).plus(READ_TIMEOUT).isAfter(deadline)) {
                throw failure;
            }
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failure;
            }
        }
    }

    /**
     * A service's error message without what must not reach a log: a signature mismatch can echo the canonical
     * request, whose signed headers include the session token.
     */
    static String withoutSecrets(String message, AwsCredentialsIdentity identity) {
        String out = message;
        for (String phrase : List.of("The Canonical String", "The String-to-Sign", "Canonical String")) {
            int at = out.indexOf(phrase);
            if (at >= 0) {
                out = out.substring(0, at).strip() + " [canonical request left out]";
            }
        }
        out = out.replace(identity.secretAccessKey(), "[secret]");
        if (identity instanceof AwsSessionCredentialsIdentity session) {
            out = out.replace(session.sessionToken(), "[session token]");
        }
        return out;
    }

    private HttpExecuteResponse send(AwsCredentialsIdentity identity, byte[] body, Map<String, String> headers)
            throws IOException {
        SdkHttpRequest.Builder request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(endpoint)
                .putHeader("Host", host(endpoint))
                .putHeader("Content-Length", Integer.toString(body.length));
        headers.forEach(request::putHeader);
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(identity)
                .request(request.build())
                .payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, clock));
        return http.prepareRequest(HttpExecuteRequest.builder()
                .request(signed.request())
                .contentStreamProvider(ContentStreamProvider.fromByteArray(body))
                .build()).call();
    }

    /** The Host header the HTTP client sends: the port only when it is not the scheme's default. */
    static String host(URI uri) {
        int port = uri.getPort();
        boolean standard = port < 0 || ("https".equalsIgnoreCase(uri.getScheme()) && port == 443)
                || ("http".equalsIgnoreCase(uri.getScheme()) && port == 80);
        return standard ? uri.getHost() : uri.getHost() + ":" + port;
    }

    private static byte[] read(Optional<? extends InputStream> body) throws IOException {
        if (body.isEmpty()) {
            return new byte[0];
        }
        try (InputStream in = body.get()) {
            return in.readAllBytes();
        }
    }
}
