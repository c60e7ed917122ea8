package dev.raftlifecycle.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.rig.TlsMaterial;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Which entry point the publisher's input chooses: only a JSON object whose "status" is the boolean true asks for the
 * status view; every other input, malformed ones included, is the scheduled run. Through the Lambda entry point,
 * against a stand-in AWS endpoint (groups with no instances) that records each operation it is asked for: the status
 * call publishes nothing, the scheduled run publishes.
 */
class PublisherInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<String> operations = new CopyOnWriteArrayList<>();
    private HttpServer aws;

    @Test
    void onlyAnObjectWithStatusTrueAsksForTheStatus() {
        assertThat(HealthPublisherHandler.asksForStatus(bytes("{\"status\":true}"))).isTrue();
        assertThat(HealthPublisherHandler.asksForStatus(bytes(" { \"status\" : true, \"other\": 1 } "))).isTrue();
        for (String input : List.of("{\"status\":false}", "{\"status\":\"yes\"}", "{\"status\":\"true\"}",
                "{\"status\":1}", "{\"status\":null}", "{}", "", "null", "true", "[{\"status\":true}]",
                "{\"status\":true", "not json", "{\"detail\":{\"status\":true}}",
                "{\"source\":\"aws.events\",\"detail-type\":\"Scheduled Event\",\"detail\":{}}")) {
            assertThat(HealthPublisherHandler.asksForStatus(bytes(input))).as(input).isFalse();
        }
    }

    @BeforeEach
    void startAws() throws Exception {
        aws = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        aws.createContext("/", exchange -> {
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String operation = target != null ? target : dev.raftlifecycle.ports.CannedAwsHttp.parameter(form, "Action");
            operations.add(operation);
            String type = "text/xml";
            String body;
            if (target != null) {
                type = "application/x-amz-json-1.0";
                body = "{}";
            } else if ("DescribeAutoScalingGroups".equals(operation)) {
                body = "<DescribeAutoScalingGroupsResponse xmlns=\"http://autoscaling.amazonaws.com/doc/2011-01-01/\">"
                        + "<DescribeAutoScalingGroupsResult><AutoScalingGroups/></DescribeAutoScalingGroupsResult>"
                        + "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeAutoScalingGroupsResponse>";
            } else if ("DescribeInstances".equals(operation)) {
                body = "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
                        + "<requestId>r</requestId><reservationSet/></DescribeInstancesResponse>";
            } else {
                body = "<" + operation + "Response xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\">"
                        + "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></" + operation + "Response>";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", type);
            exchange.getResponseHeaders().add("x-amzn-RequestId", "r");
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        aws.start();
    }

    @AfterEach
    void stopAws() {
        aws.stop(0);
    }

    @Test
    void theStatusInputReturnsTheStatusAndPublishesNothingWhileOtherInputsPublish() throws Exception {
        HealthPublisherHandler publisher = new HealthPublisherHandler(runtime());

        JsonNode status = invoke(publisher, "{\"status\":true}");
        assertThat(status.has("healthy")).isTrue();
        assertThat(status.path("healthy").asBoolean()).isFalse(); // no instance, no configuration read
        assertThat(status.path("failureTolerance").isNull()).isTrue();
        assertThat(status.has("putCalls")).isFalse();
        assertThat(operations).contains("DescribeAutoScalingGroups").doesNotContain("PutMetricData")
                .noneMatch(o -> o.contains("PutItem") || o.contains("UpdateItem") || o.contains("DeleteItem"));

        for (String scheduled : List.of("{\"source\":\"aws.events\",\"detail-type\":\"Scheduled Event\",\"detail\":{}}",
                "{\"status\":false}", "{\"status\":\"yes\"}", "{not json")) {
            operations.clear();
            JsonNode outcome = invoke(publisher, scheduled);
            assertThat(outcome.path("putCalls").asInt()).as(scheduled).isEqualTo(1);
            assertThat(outcome.has("healthy")).as(scheduled).isFalse();
            assertThat(operations).as(scheduled).containsOnlyOnce("PutMetricData");
        }
    }

    private static JsonNode invoke(HealthPublisherHandler publisher, String input) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        publisher.handleRequest(new ByteArrayInputStream(bytes(input)), out, null);
        return JSON.readTree(out.toByteArray());
    }

    private HandlerRuntime runtime() {
        Map<String, String> env = new HashMap<>();
        env.put(Settings.CLUSTER_NAME, "prod-vault");
        env.put(Settings.ASG_NAMES, "prod-a,prod-b,prod-c");
        env.put(Settings.VAULT_IAM_SERVER_ID, "vault.example.internal");
        env.put(Settings.VAULT_TLS_SERVER_NAME, "vault.example.internal");
        env.put(Settings.VAULT_CA_PEM, TlsMaterial.newAuthority("publisher input test CA").caPem());
        env.put(Settings.AWS_REGION, "eu-west-1");
        env.put(Settings.LOCK_TABLE, "lock");
        env.put(Settings.ACCOUNT_ID, "123456789012");
        env.put(Settings.CLUSTER_ATTEMPTS, "1");
        env.put(Settings.AWS_ENDPOINT_URL, "http://127.0.0.1:" + aws.getAddress().getPort());
        List<String> lines = new ArrayList<>();
        return new HandlerRuntime(Settings.from(env),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret")), Clock.systemUTC(),
                lines::add);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
