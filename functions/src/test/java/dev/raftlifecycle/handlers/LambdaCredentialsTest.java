package dev.raftlifecycle.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * SnapStart functions get no AWS_ACCESS_KEY_ID: Lambda serves the role's credentials from a container endpoint
 * instead. The handlers' provider must find them there, and must not fetch anything before the first use.
 */
class LambdaCredentialsTest {

    @Test
    void snapStartContainerEndpointIsUsedWhenTheKeyVariablesAreAbsent() throws Exception {
        assertThat(System.getenv("AWS_ACCESS_KEY_ID"))
                .as("surefire strips AWS keys from the environment (functions/pom.xml); keys would take precedence")
                .isNull();
        AtomicInteger calls = new AtomicInteger();
        AtomicReference<String> authorization = new AtomicReference<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        String expiration = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS).toString();
        server.createContext("/2018-06-01/credentials", exchange -> {
            calls.incrementAndGet();
            authorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
            byte[] body = ("{\"AccessKeyId\":\"ASIACONTAINER\",\"SecretAccessKey\":\"container-secret\","
                    + "\"Token\":\"container-session\",\"Expiration\":\"" + expiration + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        String uri = "http://127.0.0.1:" + server.getAddress().getPort() + "/2018-06-01/credentials";
        System.setProperty("aws.containerCredentialsFullUri", uri);
        System.setProperty("aws.containerAuthorizationToken", "lambda-authorization-token");
        try {
            AwsCredentialsProvider provider = HandlerRuntime.lambdaCredentials();
            assertThat(calls).as("nothing is fetched when the provider is built (SnapStart init)").hasValue(0);

            AwsSessionCredentials credentials = (AwsSessionCredentials) provider.resolveCredentials();

            assertThat(credentials.accessKeyId()).isEqualTo("ASIACONTAINER");
            assertThat(credentials.secretAccessKey()).isEqualTo("container-secret");
            assertThat(credentials.sessionToken()).isEqualTo("container-session");
            assertThat(authorization).hasValue("lambda-authorization-token");
            provider.resolveCredentials();
            assertThat(calls).as("cached until close to expiry").hasValue(1);
        } finally {
            System.clearProperty("aws.containerCredentialsFullUri");
            System.clearProperty("aws.containerAuthorizationToken");
            server.stop(0);
        }
    }
}
