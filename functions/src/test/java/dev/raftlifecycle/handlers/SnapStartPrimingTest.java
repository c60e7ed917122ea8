package dev.raftlifecycle.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.rig.TlsMaterial;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * The SnapStart priming hook does its work (clients built, JSON, signing, a TLS hello) without any network call and
 * without resolving credentials: whatever it touches would otherwise end up in, or be missing from, the snapshot.
 */
class SnapStartPrimingTest {

    @Test
    void primingBuildsTheHandlersClientsAndTouchesNoNetworkAndNoCredentials() throws Exception {
        try (ServerSocket aws = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            AtomicInteger connections = new AtomicInteger();
            Thread acceptor = new Thread(() -> {
                while (!aws.isClosed()) {
                    try (Socket s = aws.accept()) {
                        connections.incrementAndGet();
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            List<String> lines = new ArrayList<>();
            AtomicInteger credentialLookups = new AtomicInteger();
            AwsCredentialsProvider credentials = () -> {
                credentialLookups.incrementAndGet();
                throw new IllegalStateException("priming must not resolve credentials");
            };
            Map<String, String> env = new HashMap<>();
            env.put(Settings.CLUSTER_NAME, "prod-vault");
            env.put(Settings.ASG_NAMES, "prod-a,prod-b,prod-c");
            env.put(Settings.VAULT_IAM_SERVER_ID, "vault.example.internal");
            env.put(Settings.VAULT_TLS_SERVER_NAME, "vault.example.internal");
            env.put(Settings.VAULT_CA_PEM, TlsMaterial.newAuthority("priming test CA").caPem());
            env.put(Settings.AWS_REGION, "eu-west-1");
            env.put(Settings.LOCK_TABLE, "lock");
            env.put(Settings.ACCOUNT_ID, "123456789012");
            env.put(Settings.AWS_ENDPOINT_URL, "http://127.0.0.1:" + aws.getLocalPort());
            HandlerRuntime runtime = new HandlerRuntime(Settings.from(env), credentials, Clock.systemUTC(), lines::add);

            TerminatingHandler terminating = new TerminatingHandler(runtime);
            assertThat(runtime.cloudWatch().built()).isFalse();
            assertThat(runtime.ec2().built()).as("clients are built at their first call, not at construction").isFalse();

            assertThat(terminating.priming().prime()).containsExactly("clients", "requests", "json", "signing", "tls",
                    "classes");
            // The training run's list (TLS handshake, connection, SDK response classes): nearly all of it loads.
            long listed = new String(SnapStartPriming.class.getResourceAsStream(SnapStartPriming.CLASS_LIST).readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank() && !l.startsWith("#")).count();
            assertThat(listed).isGreaterThan(100);
            assertThat(terminating.priming().loadClassList()).isGreaterThanOrEqualTo((int) (listed * 0.95));
            assertThat(runtime.autoScaling().built()).isTrue();
            assertThat(runtime.ec2().built()).isTrue();
            assertThat(runtime.records().built()).isTrue();
            assertThat(runtime.cloudWatch().built()).as("the terminating handler never calls CloudWatch").isFalse();

            HealthPublisherHandler publisher = new HealthPublisherHandler(runtime);
            assertThat(publisher.priming().prime()).contains("cloudwatch");
            assertThat(runtime.cloudWatch().built()).isTrue();

            // The rehearsal makes every call an invocation makes, answered without a socket, and parses the answers.
            dev.raftlifecycle.ports.CannedAwsHttp canned = new dev.raftlifecycle.ports.CannedAwsHttp();
            assertThat(publisher.priming().rehearse(canned)).containsExactly("DescribeAutoScalingGroups",
                    "RecordLifecycleActionHeartbeat", "CompleteLifecycleAction", "DescribeInstances", "DescribeSpotInstanceRequests",
                    "DynamoDB_20120810.PutItem", "DynamoDB_20120810.GetItem", "DynamoDB_20120810.DeleteItem",
                    "DynamoDB_20120810.GetItem", "DynamoDB_20120810.GetItem", "PutMetricData");
            dev.raftlifecycle.ports.CannedVaultHttp vault = new dev.raftlifecycle.ports.CannedVaultHttp();
            assertThat(terminating.priming().rehearseVault(vault)).containsExactly("/v1/sys/health", "/v1/auth/aws/login",
                    "/v1/sys/storage/raft/configuration", "/v1/sys/storage/raft/autopilot/state",
                    "/v1/sys/storage/raft/autopilot/configuration", "/v1/sys/step-down", "/v1/sys/storage/raft/remove-peer");

            // As Lambda calls it before the snapshot: one line says what was primed.
            assertThat(lines).isEmpty();
            terminating.priming().beforeCheckpoint(null);
            assertThat(lines).singleElement().asString().contains("\"event\":\"primed\"", "clients,requests,json,signing,tls,classes");

            Thread.sleep(200);
            assertThat(connections.get()).as("connections to the AWS endpoint while priming").isZero();
            assertThat(credentialLookups.get()).as("credential lookups while priming").isZero();
        }
    }
}
