package dev.raftlifecycle.ports;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

class IamLoginRequestTest {
    @Test
    void signsGetCallerIdentityWithTheServerIdHeaderInsideTheSignature() throws Exception {
        IamLoginRequest.Payload p = IamLoginRequest.sign(AwsSessionCredentials.create("AKIDEXAMPLE", "secret", "session"),
                "https://sts.amazonaws.com/", "us-east-1", "vault.example.internal",
                Clock.fixed(Instant.parse("2026-11-22T12:00:00Z"), ZoneOffset.UTC));
        Base64.Decoder b64 = Base64.getDecoder();
        assertThat(p.method()).isEqualTo("POST");
        assertThat(new String(b64.decode(p.urlBase64()), StandardCharsets.UTF_8)).isEqualTo("https://sts.amazonaws.com/");
        assertThat(new String(b64.decode(p.bodyBase64()), StandardCharsets.UTF_8))
                .isEqualTo("Action=GetCallerIdentity&Version=2011-06-15");
        JsonNode headers = new ObjectMapper().readTree(b64.decode(p.headersBase64()));
        assertThat(headers.path(IamLoginRequest.SERVER_ID_HEADER).get(0).asText()).isEqualTo("vault.example.internal");
        String authorization = headers.path("Authorization").get(0).asText();
        assertThat(authorization).startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/us-east-1/sts/aws4_request")
                .contains("x-vault-aws-iam-server-id");
        assertThat(headers.path("X-Amz-Security-Token").get(0).asText()).isEqualTo("session");
        assertThat(headers.path("X-Amz-Date").get(0).asText()).isEqualTo("20261122T120000Z");
    }
}
