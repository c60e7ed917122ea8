package dev.raftlifecycle.ports;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
import software.amazon.awssdk.regions.PartitionMetadata;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * One AWS service spoken in the Query protocol (EC2, Auto Scaling): an action and its parameters as a signed
 * (SigV4) form POST over the shared SDK HTTP client, the XML answer as a tree. The generated SDK clients of these
 * two services load over 1,500 classes on a cold start (their client class alone refers to every operation's
 * request and response types, and verifying it loads them); the handlers call six operations.
 *
 * <p>Retries, as the SDK's standard mode: at most {@value #MAX_ATTEMPTS} attempts, on an I/O failure, HTTP 5xx or
 * 429, and throttling or transient error codes, after a full-jitter exponential backoff (base 100 ms, 500 ms when
 * throttled, at most 20 s), never past {@link #CALL_TIMEOUT} from the first attempt. Anything else fails at once as
 * an {@link AwsCallException} with the service's error code and message.
 */
public final class AwsQuery {
    /** Attempts per call, as the SDK's standard retry mode. */
    public static final int MAX_ATTEMPTS = 3;
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(20);
    private static final long BASE_DELAY_MS = 100;
    private static final long THROTTLED_BASE_DELAY_MS = 500;
    private static final long MAX_DELAY_MS = 20_000;
    private static final Set<String> THROTTLING = Set.of("Throttling", "ThrottlingException", "ThrottledException",
            "RequestThrottledException", "TooManyRequestsException", "RequestLimitExceeded", "BandwidthLimitExceeded",
            "RequestThrottled", "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException");
    private static final Set<String> TRANSIENT = Set.of("RequestTimeout", "RequestTimeoutException", "InternalError",
            "InternalFailure", "ServiceUnavailable", "Unavailable");

    private final String service;
    private final String version;
    private final String region;
    private final URI endpoint;
    private final AwsCredentialsProvider credentials;
    private final SdkHttpClient http;
    private final Clock clock;

    /**
     * @param service  the signing name and endpoint prefix ({@code ec2}, {@code autoscaling})
     * @param version  the API version every request names
     * @param endpoint the endpoint override (the local rig), or empty for the region's public endpoint
     */
    public AwsQuery(String service, String version, String region, Optional<URI> endpoint,
                    AwsCredentialsProvider credentials, SdkHttpClient http, Clock clock) {
        this.service = service;
        this.version = version;
        this.region = region;
        this.endpoint = endpoint.orElseGet(() -> publicEndpoint(service, region));
        this.credentials = credentials;
        this.http = http;
        this.clock = clock;
    }

    /** {@code https://<service>.<region>.<the partition's DNS suffix>}: amazonaws.com, amazonaws.com.cn, ... */
    static URI publicEndpoint(String service, String region) {
        return URI.create("https://" + service + "." + region + "." + PartitionMetadata.of(Region.of(region)).dnsSuffix());
    }

    public URI endpoint() {
        return endpoint;
    }

    /** Calls {@code action} with these parameters (names as the API documents them, values unencoded). */
    public XmlElement call(String action, Map<String, String> parameters) {
        byte[] body = form(action, parameters).getBytes(StandardCharsets.UTF_8);
        Instant deadline = clock.instant().plus(CALL_TIMEOUT);
        Random jitter = new Random(System.nanoTime() ^ Thread.currentThread().getId());
        for (int attempt = 1; ; attempt++) {
            Failure failure;
            try {
                Answer answer = send(body);
                if (answer.status / 100 == 2) {
                    return answer.document;
                }
                failure = Failure.of(service, action, answer);
            } catch (UncheckedIOException e) {
                failure = new Failure(new AwsCallException(service, action, 0, "IOException",
                        e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage(), null), true, false);
            }
            if (!failure.retryable || attempt >= MAX_ATTEMPTS) {
                throw failure.exception;
            }
            long cap = Math.min(MAX_DELAY_MS, (failure.throttled ? THROTTLED_BASE_DELAY_MS : BASE_DELAY_MS) << attempt);
            long delay = (long) (jitter.nextDouble() * cap);
            if (clock.instant().plusMillis(delay).isAfter(deadline)) {
                throw failure.exception;
            }
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failure.exception;
            }
        }
    }

    /** The form body: Action, Version, then the parameters, each name and value percent-encoded (RFC 3986). */
    String form(String action, Map<String, String> parameters) {
        StringBuilder form = new StringBuilder("Action=").append(SdkHttpUtils.urlEncode(action))
                .append("&Version=").append(SdkHttpUtils.urlEncode(version));
        parameters.forEach((name, value) -> form.append('&').append(SdkHttpUtils.urlEncode(name)).append('=')
                .append(SdkHttpUtils.urlEncode(value)));
        return form.toString();
    }

    private record Answer(int status, XmlElement document) {
    }

    private Answer send(byte[] body) {
        String host = endpoint.getPort() > 0 ? endpoint.getHost() + ":" + endpoint.getPort() : endpoint.getHost();
        SdkHttpRequest request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(endpoint.getPath() == null || endpoint.getPath().isEmpty() ? endpoint.resolve("/") : endpoint)
                .putHeader("Host", host)
                .putHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                .putHeader("Content-Length", Integer.toString(body.length))
                .build();
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(credentials.resolveCredentials())
                .request(request)
                .payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, clock));
        try {
            HttpExecuteResponse response = http.prepareRequest(HttpExecuteRequest.builder()
                    .request(signed.request())
                    .contentStreamProvider(ContentStreamProvider.fromByteArray(body))
                    .build()).call();
            int status = response.httpResponse().statusCode();
            Optional<? extends InputStream> stream = response.responseBody();
            if (stream.isEmpty()) {
                return new Answer(status, new XmlElement("empty", "", java.util.List.of()));
            }
            try (InputStream in = stream.get()) {
                byte[] bytes = in.readAllBytes();
                XmlElement document;
                try {
                    document = XmlElement.parse(new java.io.ByteArrayInputStream(bytes));
                } catch (IllegalArgumentException e) {
                    if (status / 100 == 2) {
                        throw new AwsCallException(service, "response", status, "MalformedResponse", e.getMessage(), null);
                    }
                    // An error page that is not XML (a proxy's, a load balancer's): its status decides.
                    document = new XmlElement("unparsed", new String(bytes, 0, Math.min(bytes.length, 200),
                            StandardCharsets.UTF_8), java.util.List.of());
                }
                return new Answer(status, document);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Failure(AwsCallException exception, boolean retryable, boolean throttled) {
        static Failure of(String service, String action, Answer answer) {
            Optional<XmlElement> error = answer.document.find("Error");
            String code = error.flatMap(e -> e.text("Code")).orElse("HTTP" + answer.status);
            String message = error.flatMap(e -> e.text("Message")).orElse(answer.document.text().strip());
            String requestId = answer.document.text("RequestID").or(() -> answer.document.text("RequestId")).orElse(null);
            boolean throttled = answer.status == 429 || THROTTLING.contains(code);
            boolean retryable = throttled || answer.status >= 500 || TRANSIENT.contains(code);
            return new Failure(new AwsCallException(service, action, answer.status, code, message, requestId),
                    retryable, throttled);
        }
    }
}
