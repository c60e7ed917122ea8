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
import software.amazon.awssdk.http.ExecutableHttpRequest;
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
 * ({@link AwsQuery}) and JSON ({@link DynamoDb}) protocol ports send their bytes through. The generated SDK clients
 * of EC2, Auto Scaling, DynamoDB and CloudWatch loaded ~3,300 classes on a cold start (a client class refers to every
 * operation's request and response types, and verifying it loads them); the handlers call nine operations.
 *
 * <p>Timeouts and retries, as the SDK's clients were configured: each attempt is cut (its request aborted) after
 * {@link #ATTEMPT_TIMEOUT} (8 s) or at the end of the call's {@link #CALL_TIMEOUT} (20 s from the first attempt),
 * whichever comes first; at most {@value #MAX_ATTEMPTS} attempts, on an I/O failure or a cut attempt, HTTP 500, 502,
 * 503, 504 or 429, and throttling or transient error codes, after the standard mode's full-jitter exponential backoff
 * (base 100 ms, 1 s when throttled, at most 20 s), while the call's budget lasts. Clock skew is not corrected (the
 * SDK re-signs with the offset of the answer's Date header; Lambda's clock is kept in sync). Anything else fails at once as
 * an {@link AwsCallException} with the service's error code and message.
 */
public final class AwsSignedPost {
    /** Attempts per call, as the SDK's standard retry mode. */
    public static final int MAX_ATTEMPTS = 3;
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(20);
    static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(8);
    /** The HTTP client's read timeout (one read; an attempt as a whole is cut at {@link #ATTEMPT_TIMEOUT}). */
    public static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    private static final long BASE_DELAY_MS = 100;
    private static final long THROTTLED_BASE_DELAY_MS = 1000;
    private static final Set<Integer> RETRYABLE_STATUS = Set.of(500, 502, 503, 504, 429);
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
    private final Duration callTimeout;
    private final Duration attemptTimeout;

    /** Cuts attempts that run too long: one daemon thread, started at the first call. */
    private static final class Cutter {
        static final java.util.concurrent.ScheduledThreadPoolExecutor TIMER = timer();

        private static java.util.concurrent.ScheduledThreadPoolExecutor timer() {
            java.util.concurrent.ScheduledThreadPoolExecutor t = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
                Thread thread = new Thread(r, "aws-attempt-timeout");
                thread.setDaemon(true);
                return thread;
            });
            t.setRemoveOnCancelPolicy(true);
            return t;
        }
    }

    /**
     * @param service  the signing name and endpoint prefix ({@code ec2}, {@code autoscaling}, {@code dynamodb}, {@code monitoring})
     * @param endpoint the endpoint override (the local rig), or empty for the region's public endpoint
     */
    public AwsSignedPost(String service, String region, Optional<URI> endpoint, AwsCredentialsProvider credentials,
                         SdkHttpClient http, Clock clock) {
        this(service, region, endpoint, credentials, http, clock, CALL_TIMEOUT, ATTEMPT_TIMEOUT);
    }

    /** With other timeouts (tests). */
    AwsSignedPost(String service, String region, Optional<URI> endpoint, AwsCredentialsProvider credentials,
                  SdkHttpClient http, Clock clock, Duration callTimeout, Duration attemptTimeout) {
        this.callTimeout = callTimeout;
        this.attemptTimeout = attemptTimeout;
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

    /**
     * Posts {@code body} (retrying as above) and returns the body of the 2xx answer.
     *
     * @param action  the operation, for errors and logs
     * @param headers the protocol's headers besides Host, Content-Length and the signature's
     */
    public byte[] post(String action, byte[] body, Map<String, String> headers, ErrorReader errors) {
        Instant deadline = clock.instant().plus(callTimeout);
        Random jitter = new Random(System.nanoTime() ^ Thread.currentThread().getId());
        for (int attempt = 1; ; attempt++) {
            AwsCallException failure;
            boolean retryable;
            boolean throttled;
            AwsCredentialsIdentity identity;
            try {
                identity = credentials.resolveCredentials();
            } catch (RuntimeException e) {
                // No credentials (the container endpoint down, say): nothing was sent; as retryable as a lost connection.
                if (attempt >= MAX_ATTEMPTS || !backOff(jitter, attempt, false, deadline)) {
                    throw new AwsCallException(service, action, 0, "CredentialsUnavailable",
                            e.getClass().getSimpleName() + ": " + e.getMessage(), null);
                }
                continue;
            }
            try {
                Answer answer = attempt(identity, body, headers, deadline);
                if (answer.status / 100 == 2) {
                    return answer.body;
                }
                ErrorDetails details = errors.read(answer.status, answer.body);
                failure = new AwsCallException(service, action, answer.status, details.code(),
                        withoutSecrets(details.message(), identity), details.requestId());
                throttled = answer.status == 429 || THROTTLING.contains(details.code());
                retryable = throttled || RETRYABLE_STATUS.contains(answer.status) || TRANSIENT.contains(details.code());
            } catch (IOException e) {
                failure = new AwsCallException(service, action, 0, "IOException",
                        e.getClass().getSimpleName() + ": " + e.getMessage(), null);
                retryable = true;
                throttled = false;
            } catch (RuntimeException e) {
                // Signing or the HTTP client failing outside I/O: a client error, not retried.
                throw new AwsCallException(service, action, 0, "ClientError", e.getClass().getSimpleName() + ": "
                        + withoutSecrets(String.valueOf(e.getMessage()), identity), null);
            }
            if (!retryable || attempt >= MAX_ATTEMPTS || !backOff(jitter, attempt, throttled, deadline)) {
                throw failure;
            }
        }
    }

    /** Sleeps the backoff before attempt {@code attempt + 1}; false when no attempt could start within the budget. */
    private boolean backOff(Random jitter, int attempt, boolean throttled, Instant deadline) {
        long cap = Math.min(MAX_DELAY_MS, (throttled ? THROTTLED_BASE_DELAY_MS : BASE_DELAY_MS) << attempt);
        long delay = (long) (jitter.nextDouble() * cap);
        if (!clock.instant().plusMillis(delay).isBefore(deadline)) {
            return false;
        }
        try {
            Thread.sleep(delay);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private record Answer(int status, byte[] body) {
    }

    /** One attempt, its request aborted at the attempt's timeout or at the call's deadline, whichever is first. */
    private Answer attempt(AwsCredentialsIdentity identity, byte[] body, Map<String, String> headers, Instant deadline)
            throws IOException {
        ExecutableHttpRequest request = prepare(identity, body, headers);
        long untilDeadline = Math.max(1, Duration.between(clock.instant(), deadline).toMillis());
        long cutAfter = Math.min(attemptTimeout.toMillis(), untilDeadline);
        java.util.concurrent.atomic.AtomicBoolean cut = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.ScheduledFuture<?> timer = Cutter.TIMER.schedule(() -> {
            cut.set(true);
            request.abort();
        }, cutAfter, java.util.concurrent.TimeUnit.MILLISECONDS);
        try {
            HttpExecuteResponse response = request.call();
            byte[] answer = read(response.responseBody());
            if (cut.get()) {
                throw new IOException("attempt cut after " + cutAfter + " ms");
            }
            return new Answer(response.httpResponse().statusCode(), answer);
        } catch (IOException | RuntimeException e) {
            if (cut.get()) {
                throw new IOException("attempt cut after " + cutAfter + " ms", e);
            }
            throw e;
        } finally {
            timer.cancel(false);
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

    private ExecutableHttpRequest prepare(AwsCredentialsIdentity identity, byte[] body, Map<String, String> headers) {
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
                .build());
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
