package dev.raftlifecycle.roll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.profiles.ProfileFile;

/**
 * The operator's credentials as operators have them: the roll builds its clients on the SDK's default chain, which
 * reads assume-role, IAM Identity Center (SSO) and web identity profiles only when the sts, sso and ssooidc modules are
 * on the class path ("To use assume role profiles, the 'sts' service module must be on the class path"). The Lambda
 * jar does not carry them; this module's jar does.
 */
class OperatorCredentialsTest {

    private static final String MISSING_MODULE = "must be on the class path";
    private static final String STS_ENDPOINT = "aws.endpointUrlSts";

    /** The factories the SDK looks up by name (ProfileCredentialsUtils) for each kind of profile. */
    @Test
    void profileCredentialFactoriesAreOnTheClassPath() throws Exception {
        for (String factory : List.of("software.amazon.awssdk.services.sts.internal.StsProfileCredentialsProviderFactory",
                "software.amazon.awssdk.services.sts.internal.StsWebIdentityCredentialsProviderFactory",
                "software.amazon.awssdk.services.sso.auth.SsoProfileCredentialsProviderFactory",
                "software.amazon.awssdk.services.ssooidc.SsoOidcProfileTokenProviderFactory")) {
            assertThat(Class.forName(factory, false, getClass().getClassLoader())).as(factory).isNotNull();
        }
    }

    /**
     * An assume-role profile (role_arn + source_profile) through the default chain, as RollCommand builds it: the
     * source profile's keys sign an STS AssumeRole (answered here by a local endpoint, no network) and the role's
     * session credentials come back.
     */
    @Test
    void assumeRoleProfileResolvesThroughSts(@TempDir Path dir) throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        HttpServer sts = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        sts.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            calls.add(URLDecoder.decode(body, StandardCharsets.UTF_8) + " auth="
                    + exchange.getRequestHeaders().getFirst("Authorization"));
            byte[] reply = """
                    <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                      <AssumeRoleResult>
                        <Credentials>
                          <AccessKeyId>ASIAOPERATORSESSION1</AccessKeyId>
                          <SecretAccessKey>session-secret</SecretAccessKey>
                          <SessionToken>session-token</SessionToken>
                          <Expiration>2099-01-01T00:00:00Z</Expiration>
                        </Credentials>
                        <AssumedRoleUser>
                          <AssumedRoleId>AROAOPERATOR:roll</AssumedRoleId>
                          <Arn>arn:aws:sts::123456789012:assumed-role/raft-operator/roll</Arn>
                        </AssumedRoleUser>
                      </AssumeRoleResult>
                      <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
                    </AssumeRoleResponse>
                    """.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/xml");
            exchange.sendResponseHeaders(200, reply.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(reply);
            }
        });
        sts.start();
        try {
            Path config = dir.resolve("config");
            Files.writeString(config, """
                    [profile base]
                    aws_access_key_id = AKIAOPERATORBASE0001
                    aws_secret_access_key = base-secret
                    [profile operator]
                    role_arn = arn:aws:iam::123456789012:role/raft-operator
                    source_profile = base
                    region = eu-west-1
                    """);
            // The STS client the profile's provider builds reads the default configuration, not this file: its
            // endpoint is the SDK's service-specific setting (as AWS_ENDPOINT_URL_STS would give it).
            System.setProperty(STS_ENDPOINT, "http://127.0.0.1:" + sts.getAddress().getPort());
            ProfileFile profiles = ProfileFile.builder().content(config).type(ProfileFile.Type.CONFIGURATION).build();
            try (DefaultCredentialsProvider chain = DefaultCredentialsProvider.builder().profileFile(profiles)
                    .profileName("operator").build()) {
                AwsCredentials credentials = chain.resolveCredentials();
                assertThat(credentials).isInstanceOf(AwsSessionCredentials.class);
                assertThat(credentials.accessKeyId()).isEqualTo("ASIAOPERATORSESSION1");
                assertThat(((AwsSessionCredentials) credentials).sessionToken()).isEqualTo("session-token");
            }
            assertThat(calls).singleElement().asString().contains("Action=AssumeRole")
                    .contains("RoleArn=arn:aws:iam::123456789012:role/raft-operator")
                    .contains("Credential=AKIAOPERATORBASE0001/");
        } finally {
            System.clearProperty(STS_ENDPOINT);
            sts.stop(0);
        }
    }

    /**
     * An IAM Identity Center profile (sso_session) without a login: it fails for want of a token (aws sso login), not
     * for want of the sso modules. No network: the token is looked for in the local cache first.
     */
    @Test
    void ssoProfileFailsOnlyForWantOfALogin(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("config");
        Files.writeString(config, """
                [profile operator]
                sso_session = raft-test-session-%s
                sso_account_id = 123456789012
                sso_role_name = RaftOperator
                region = eu-west-1
                [sso-session raft-test-session-%s]
                sso_start_url = https://raft-test.awsapps.com/start
                sso_region = eu-west-1
                sso_registration_scopes = sso:account:access
                """.formatted(dir.getFileName(), dir.getFileName()));
        ProfileFile profiles = ProfileFile.builder().content(config).type(ProfileFile.Type.CONFIGURATION).build();
        Throwable failure;
        try (DefaultCredentialsProvider chain = DefaultCredentialsProvider.builder().profileFile(profiles)
                .profileName("operator").build()) {
            failure = catchThrowable(chain::resolveCredentials);
        }
        assertThat(failure).isNotNull();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            assertThat(String.valueOf(t.getMessage())).as(t.toString()).doesNotContain(MISSING_MODULE);
            assertThat(t).isNotInstanceOfAny(ClassNotFoundException.class, NoClassDefFoundError.class);
        }
        assertThat(failure).hasStackTraceContaining("token");
    }
}
