package dev.raftlifecycle.ports;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * The AWS IAM login payload of Vault's aws auth method and Consul's aws-iam auth method: a SigV4-signed sts:GetCallerIdentity request (URL, body, headers,
 * base64) that Vault replays to STS to learn who we are. The X-Vault-AWS-IAM-Server-ID header is part of
 * the signature, so the request cannot be replayed against another Vault.
 */
public final class IamLoginRequest {
    public static final String SERVER_ID_HEADER = "X-Vault-AWS-IAM-Server-ID";
    private static final String BODY = "Action=GetCallerIdentity&Version=2011-06-15";
    private static final ObjectMapper JSON = new ObjectMapper();

    private IamLoginRequest() {
    }

    /** The four login fields Vault's auth/aws/login takes for auth_type iam. */
    public record Payload(String method, String urlBase64, String bodyBase64, String headersBase64) {
    }

    public static Payload sign(AwsCredentialsIdentity credentials, String stsUrl, String stsRegion, String serverId,
                               Clock clock) {
        return sign(credentials, stsUrl, stsRegion, SERVER_ID_HEADER, serverId, clock);
    }

    /** The same request with the server id in another header (Consul's aws-iam method checks its own). */
    public static Payload sign(AwsCredentialsIdentity credentials, String stsUrl, String stsRegion, String serverIdHeader,
                               String serverId, Clock clock) {
        URI uri = URI.create(stsUrl);
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
        SdkHttpRequest request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(uri)
                .putHeader("Host", uri.getPort() > 0 ? uri.getHost() + ":" + uri.getPort() : uri.getHost())
                .putHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                .putHeader(serverIdHeader, serverId)
                .build();
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(credentials)
                .request(request)
                .payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "sts")
                .putProperty(AwsV4HttpSigner.REGION_NAME, stsRegion)
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, clock));
        Map<String, List<String>> headers = new TreeMap<>(signed.request().headers());
        try {
            Base64.Encoder b64 = Base64.getEncoder();
            return new Payload("POST",
                    b64.encodeToString(uri.toString().getBytes(StandardCharsets.UTF_8)),
                    b64.encodeToString(body),
                    b64.encodeToString(JSON.writeValueAsBytes(headers)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot encode login headers", e);
        }
    }
}
