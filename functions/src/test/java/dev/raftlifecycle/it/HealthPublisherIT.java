package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.handlers.HealthPublisherHandler;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.VaultClusterExtension;
import dev.raftlifecycle.rig.VaultNode;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.GetMetricDataResponse;
import software.amazon.awssdk.services.cloudwatch.model.MetricDataQuery;

/**
 * The health publisher against the real rig, its metrics read back from the emulator's CloudWatch with
 * GetMetricData. Each test publishes into a namespace of its own, so values cannot mix.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HealthPublisherIT {
    private static final Duration LAMBDA_TIME = Duration.ofMinutes(1);

    @RegisterExtension
    static final VaultClusterExtension CLUSTER = new VaultClusterExtension(ClusterSpec.defaults());

    private VaultCluster cluster;
    private HandlerHarness harness;
    private String namespace;
    private String dimension;
    private boolean heal = true;

    @BeforeEach
    void setUp() {
        cluster = CLUSTER.cluster();
        String run = UUID.randomUUID().toString().substring(0, 8);
        namespace = "RaftLifecycleIT/" + run;
        // moto 5.2.5's GetMetricData ignores the namespace when dimensions are given: a ClusterName of its own
        // per test keeps the read-back honest.
        dimension = cluster.name() + "-" + run;
        harness = new HandlerHarness(cluster).with(Settings.METRICS_NAMESPACE, namespace)
                .with(Settings.CLUSTER_NAME, dimension);
    }

    @AfterEach
    void restore() {
        if (heal) {
            cluster.heal(Duration.ofSeconds(120));
        }
    }

    /** Reads every publisher metric back from the emulator (Maximum over the last ten minutes). */
    private Map<String, Double> readBack() {
        List<MetricName> names = java.util.Arrays.stream(MetricName.values())
                .filter(m -> m.source() == MetricName.Source.PUBLISHER).toList();
        List<MetricDataQuery> queries = names.stream().map(m -> MetricDataQuery.builder()
                .id("m" + m.ordinal())
                .metricStat(s -> s.stat("Maximum").period(60).metric(metric -> metric.namespace(namespace)
                        .metricName(m.metricName()).dimensions(Dimension.builder()
                                .name(MetricName.CLUSTER_DIMENSION).value(dimension).build())))
                .build()).toList();
        GetMetricDataResponse response = cluster.rig().cloudWatch().getMetricData(r -> r.metricDataQueries(queries)
                .startTime(Instant.now().minus(Duration.ofMinutes(10))).endTime(Instant.now().plus(Duration.ofMinutes(1))));
        Map<String, Double> values = new HashMap<>();
        response.metricDataResults().forEach(result -> {
            if (!result.values().isEmpty()) {
                MetricName name = names.stream().filter(m -> ("m" + m.ordinal()).equals(result.id())).findFirst().orElseThrow();
                values.put(name.metricName(), result.values().get(0));
            }
        });
        return values;
    }

    @Test
    @Order(1)
    void aHealthyClusterPublishesExactlyTheRightValuesInOneCall() throws Exception {
        // Through the Lambda entry point, with the schedule's event as input.
        java.io.ByteArrayOutputStream output = new java.io.ByteArrayOutputStream();
        harness.publisher().handleRequest(new java.io.ByteArrayInputStream(("{\"source\":\"aws.events\","
                + "\"detail-type\":\"Scheduled Event\",\"detail\":{}}").getBytes()), output, new TestLambdaContext(LAMBDA_TIME));
        com.fasterxml.jackson.databind.JsonNode outcome = new com.fasterxml.jackson.databind.ObjectMapper().readTree(output.toByteArray());

        assertThat(outcome.path("putCalls").asInt()).isEqualTo(1);
        assertThat(harness.awsCalls().stream().filter(c -> c.startsWith("monitoring:"))).hasSize(1);
        Map<String, Double> published = readBack();
        assertThat(published)
                .containsEntry("LeaderPresent", 1.0)
                .containsEntry("RaftPeers", 3.0)
                .containsEntry("Voters", 3.0)
                .containsEntry("NonVoters", 0.0)
                .containsEntry("HealthyVoters", 3.0)
                .containsEntry("AutopilotHealthy", 1.0)
                .containsEntry("FailureTolerance", 1.0)
                .containsEntry("SealedNodes", 0.0)
                .containsEntry("UninitializedNodes", 0.0)
                .containsEntry("UnreachableNodes", 0.0)
                .containsEntry("StalePeers", 0.0)
                .containsEntry("MissingPeers", 0.0)
                .containsEntry("VersionCount", 1.0)
                .containsEntry("ExpectedServers", 3.0);
        assertThat(published.get("MaxLastContactMs")).isBetween(0.0, 5000.0);
        assertThat(published.get("MaxIndexLag")).isBetween(0.0, 100.0);
        assertThat(published.keySet()).hasSize(16);
    }

    @Test
    @Order(2)
    void aNodeKilledASecondAgoIsNotCountedHealthyEvenThoughAutopilotStillSaysSo() {
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        VaultNode victim = cluster.runningNodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        victim.kill();
        // The moment before autopilot notices (its last_contact_threshold has not passed yet).
        assertThat(cluster.autopilot().path("servers").path(victim.instanceId()).path("healthy").asBoolean()).isTrue();

        HealthPublisherHandler.Outcome outcome = harness.publisher().run(LAMBDA_TIME);

        assertThat(outcome.metrics()).containsEntry("HealthyVoters", 2.0).containsEntry("UnreachableNodes", 1.0)
                .containsEntry("Voters", 3.0);
    }

    @Test
    @Order(5)
    void afterTheLeaderIsKilledALaterRunReportsTheNewLeader() {
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        leader.kill();
        cluster.await("a new leader", Duration.ofSeconds(60),
                () -> cluster.leader().map(l -> !l.instanceId().equals(leader.instanceId())).orElse(false));

        HealthPublisherHandler.Outcome outcome = harness.publisher().run(LAMBDA_TIME);

        assertThat(outcome.metrics()).containsEntry("LeaderPresent", 1.0).containsEntry("UnreachableNodes", 1.0)
                .containsEntry("RaftPeers", 3.0);
        assertThat(readBack()).containsEntry("LeaderPresent", 1.0);
    }

    @Test
    @Order(6)
    void aNodeRestartedWithItsKmsKeyDisabledCountsAsSealed() {
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        VaultNode follower = cluster.runningNodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
        cluster.rig().kms().disableKey(r -> r.keyId(cluster.kmsKeyId()));
        try {
            cluster.restartNode(follower.instanceId());
            cluster.await("sealed after restart", Duration.ofSeconds(30), () -> cluster.healthCode(follower) == 503);
            HealthPublisherHandler.Outcome outcome = harness.publisher().run(LAMBDA_TIME);
            assertThat(outcome.metrics()).containsEntry("SealedNodes", 1.0).containsEntry("LeaderPresent", 1.0);
            assertThat(readBack()).containsEntry("SealedNodes", 1.0);
        } finally {
            cluster.rig().kms().enableKey(r -> r.keyId(cluster.kmsKeyId()));
        }
        follower.kill(); // heal replaces it
    }

    @Test
    @Order(8)
    void withTheWholeClusterDownLeaderPresentZeroIsStillPublished() {
        heal = false; // last test of the class: the cluster is not brought back
        cluster.nodes().forEach(VaultNode::kill);
        harness.with(Settings.CLUSTER_ATTEMPTS, "2");

        HealthPublisherHandler.Outcome outcome = harness.publisher().run(LAMBDA_TIME);

        assertThat(outcome.reachability()).isEqualTo("UNREACHABLE");
        assertThat(outcome.putCalls()).isEqualTo(1);
        Map<String, Double> published = readBack();
        assertThat(published).containsEntry("LeaderPresent", 0.0).containsEntry("UnreachableNodes", 3.0)
                .containsEntry("ExpectedServers", 3.0).doesNotContainKey("RaftPeers");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
