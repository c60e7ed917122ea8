package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.contract.Defaults;
import dev.raftlifecycle.contract.MetricName;
import dev.raftlifecycle.handlers.HealthPublisherHandler;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.VaultCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.TcpProxy;
import dev.raftlifecycle.rig.VaultNode;
import java.time.Duration;
import java.time.Instant;
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

/**
 * The health publisher against the real rig, its metrics read back from the emulator's CloudWatch with
 * GetMetricData. Each test publishes into a namespace of its own, so values cannot mix.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HealthPublisherIT {
    private static final Duration LAMBDA_TIME = Duration.ofMinutes(1);

    @RegisterExtension
    static final RaftClusterExtension<VaultCluster> CLUSTER = RaftClusterExtension.vault(ClusterSpec.defaults());

    private VaultCluster cluster;
    private HandlerHarness harness;
    /** The load balancer's stand-in: forwards each connection to the next running node, bytes unchanged. */
    private TcpProxy loadBalancer;
    private final java.util.concurrent.atomic.AtomicInteger nextTarget = new java.util.concurrent.atomic.AtomicInteger();
    private String namespace;
    private String dimension;
    private boolean heal = true;

    @BeforeEach
    void setUp() {
        cluster = CLUSTER.cluster();
        String run = UUID.randomUUID().toString().substring(0, 8);
        namespace = "RaftLifecycleIT/" + run;
        // A ClusterName of its own per test (see PublishedMetrics).
        dimension = cluster.name() + "-" + run;
        loadBalancer = startLoadBalancer();
        harness = new HandlerHarness(cluster).with(Settings.METRICS_NAMESPACE, namespace)
                .with(Settings.CLUSTER_NAME, dimension)
                .with(Settings.CANARY_ADDRESS, "https://127.0.0.1:" + loadBalancer.port());
    }

    private TcpProxy startLoadBalancer() {
        try {
            return TcpProxy.start("127.0.0.1", 0, "canary-lb", () -> {
                List<VaultNode> running = cluster.runningNodes();
                if (running.isEmpty()) {
                    return java.util.Optional.empty();
                }
                VaultNode node = running.get(Math.floorMod(nextTarget.getAndIncrement(), running.size()));
                return java.util.Optional.of(new java.net.InetSocketAddress(node.ip(), node.apiPort()));
            });
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** One statistic of one publisher metric over the last ten minutes, if published. */
    private java.util.Optional<Double> readBack(MetricName name, String statistic) {
        return new PublishedMetrics(cluster.rig(), namespace, dimension).readBack(name, statistic);
    }

    @AfterEach
    void closeLoadBalancer() {
        loadBalancer.close();
    }

    @AfterEach
    void restore() {
        if (heal) {
            cluster.heal(Duration.ofSeconds(120));
        }
    }

    /** Reads every publisher metric back from the emulator (Maximum over the last ten minutes). */
    private Map<String, Double> readBack() {
        return new PublishedMetrics(cluster.rig(), namespace, dimension).readAll();
    }

    @Test
    @Order(1)
    void aHealthyClusterPublishesExactlyTheRightValuesInOneCall() throws Exception {
        // Through the Lambda entry point, with the schedule's event as input.
        java.io.ByteArrayOutputStream output = new java.io.ByteArrayOutputStream();
        harness.publisher().handleRequest(new java.io.ByteArrayInputStream(("{\"source\":\"aws.events\","
                + "\"detail-type\":\"Scheduled Event\",\"detail\":{}}").getBytes()), output, new dev.raftlifecycle.rig.LocalLambdaContext(LAMBDA_TIME));
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
                .containsEntry("ExpectedServers", 3.0)
                .containsEntry("TlsFailures", 0.0)
                .containsEntry("ClusterInitialized", 1.0)
                .containsEntry("UnsealKeyUsable", 1.0)
                .containsEntry("GroupsWithoutRetainPolicy", 0.0);
        // The rig's CA and node certificates live two days from the rig's start: one whole day left, or two in the
        // first five minutes (the certificates' notBefore is five minutes back); the test reads the CA itself.
        long caDaysLeft = Math.floorDiv(java.time.Duration.between(Instant.now(),
                cluster.tlsMaterial().caCertificate().getNotAfter().toInstant()).toSeconds(), 86_400);
        assertThat(published.get("CertificateDaysLeft")).isLessThanOrEqualTo((double) caDaysLeft).isGreaterThanOrEqualTo(caDaysLeft - 1.0);
        assertThat(published.get("MaxLastContactMs")).isBetween(0.0, 5000.0);
        assertThat(published.get("MaxIndexLag")).isBetween(0.0, 100.0);
        // The canary went through the load balancer: both operations answered, the write landed.
        assertThat(published).containsEntry("CanarySuccess", 1.0).containsKeys("CanaryReadMs", "CanaryWriteMs");
        assertThat(readBack(MetricName.CANARY_SUCCESS, "Minimum")).contains(1.0);
        assertThat(readBack(MetricName.CANARY_SUCCESS, "SampleCount")).contains(2.0);
        assertThat(outcome.path("canary").path("readSucceeded").asBoolean()).isTrue();
        assertThat(outcome.path("canary").path("writeSucceeded").asBoolean()).isTrue();
        // Within the latency objective on a healthy cluster (typically tens of milliseconds here).
        assertThat(outcome.path("canary").path("readMs").asLong()).isBetween(0L,
                (long) Defaults.CANARY_LATENCY_OBJECTIVE_MS);
        assertThat(outcome.path("canary").path("writeMs").asLong()).isBetween(0L,
                (long) Defaults.CANARY_LATENCY_OBJECTIVE_MS);
        assertThat(loadBalancer.connections()).isPositive();
        assertThat(cluster.adminRead(dev.raftlifecycle.contract.VaultAccess.CANARY_WRITE_PATH).path("at").asText())
                .startsWith(Instant.now().toString().substring(0, 10));
        // No leader record existed: LeaderChanges starts with the next run.
        assertThat(outcome.path("leaderChanges").isNull()).isTrue();
        // The leader's commit time is there when it committed in its telemetry's last finished 10 s interval (the
        // canary's writes usually make it so): its own test below makes sure of a commit.
        // Exactly these (the leader's commit time aside, see below): no LeaderChanges on a first run, no
        // SnapshotAgeSeconds without a snapshot bucket, and OutdatedInstances is not published for this cluster.
        assertThat(published.keySet().stream().filter(k -> !k.equals("RaftCommitTimeMs"))).containsExactlyInAnyOrder(
                "LeaderPresent", "RaftPeers", "Voters", "NonVoters", "HealthyVoters", "AutopilotHealthy",
                "FailureTolerance", "SealedNodes", "UninitializedNodes", "UnreachableNodes", "MaxLastContactMs",
                "MaxIndexLag", "StalePeers", "MissingPeers", "VersionCount", "ExpectedServers", "CanaryReadMs",
                "CanaryWriteMs", "CanarySuccess", "TlsFailures", "CertificateDaysLeft", "UnsealKeyUsable",
                "ClusterInitialized", "GroupsWithoutRetainPolicy");
        if (published.containsKey("RaftCommitTimeMs")) {
            assertThat(published.get("RaftCommitTimeMs")).isBetween(0.0, 5000.0);
        }
    }

    /** The leader's Raft commit time, from its own telemetry (sys/metrics with the read policy), after a write. */
    @Test
    @Order(2)
    void theLeadersCommitTimeIsPublishedAfterAWrite() {
        Double commitMs = CommitTimeAfterWrite.read(() -> cluster.kvPut("publisher/commit", "x"),
                () -> harness.publisher().run(LAMBDA_TIME).metrics());
        assertThat(commitMs).as("RaftCommitTimeMs after a write").isNotNull().isBetween(0.0, 5000.0);
    }

    @Test
    @Order(3)
    void aLeaderChangeIsCountedFromTheRaftTermAndEqualsTheTermsTheClusterBegan() {
        HealthPublisherHandler.Outcome first = harness.publisher().run(LAMBDA_TIME);
        assertThat(first.leaderChanges()).isNull(); // the baseline
        HealthPublisherHandler.Outcome again = harness.publisher().run(LAMBDA_TIME);
        assertThat(again.leaderChanges()).isZero();

        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        long termBefore = leaderTerm();
        cluster.admin("PUT", "sys/step-down", null);
        cluster.await("another leader", Duration.ofSeconds(60),
                () -> cluster.leader().map(l -> !l.instanceId().equals(leader.instanceId())).orElse(false));
        cluster.await("its term in autopilot", Duration.ofSeconds(30), () -> leaderTerm() > termBefore);
        long truth = leaderTerm() - termBefore;

        HealthPublisherHandler.Outcome after = harness.publisher().run(LAMBDA_TIME);

        assertThat(truth).isPositive();
        assertThat(after.leaderChanges()).isEqualTo(truth);
        assertThat(readBack(MetricName.LEADER_CHANGES, "Sum")).contains((double) truth);
        // Counted once: the next run sees the same leader in the same term.
        assertThat(harness.publisher().run(LAMBDA_TIME).leaderChanges()).isZero();
    }

    /** The leader's Raft term, read by the rig with its own token (not through the handler's code). */
    private long leaderTerm() {
        com.fasterxml.jackson.databind.JsonNode autopilot = cluster.autopilot();
        String leaderId = autopilot.path("leader").asText();
        return autopilot.path("servers").path(leaderId).path("last_term").asLong();
    }

    @Test
    @Order(4)
    void aCanaryThatGetsNoAnswerIsPublishedAsFailedWithinItsDeadlineAndHoldsNothingBack() {
        harness.with(Settings.CANARY_TIMEOUT_MS, "1000");
        HealthPublisherHandler publisher = harness.publisher();
        HealthPublisherHandler.Outcome healthy = publisher.run(LAMBDA_TIME); // logged in through the load balancer
        assertThat(healthy.canary().readSucceeded()).isTrue();

        loadBalancer.loseAnswersUntil(Instant.now().plus(Duration.ofMinutes(2)));
        HealthPublisherHandler.Outcome outcome = publisher.run(LAMBDA_TIME);

        assertThat(outcome.canary().readSucceeded()).isFalse();
        assertThat(outcome.canary().writeSucceeded()).isFalse();
        assertThat(outcome.canary().detail()).contains("timed out");
        // The other metrics are all there, and the run took at most the canary's budget (login, read, write, each
        // 1 s after a connection of at most 1 s) beyond a run whose canary answered.
        assertThat(outcome.metrics()).containsEntry("LeaderPresent", 1.0).containsEntry("HealthyVoters", 3.0)
                .containsEntry("CanarySuccess", 0.0).doesNotContainKeys("CanaryReadMs", "CanaryWriteMs");
        assertThat(outcome.wallTimeMs()).isLessThan(healthy.wallTimeMs() + 6_000 + 2_000);
        assertThat(readBack(MetricName.CANARY_SUCCESS, "Minimum")).contains(0.0);
        assertThat(readBack(MetricName.LEADER_PRESENT, "Minimum")).contains(1.0);
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
        // The moment after: no follower has noticed yet, no election can have finished. A client sees the stall.
        HealthPublisherHandler.Outcome during = harness.publisher().run(LAMBDA_TIME);
        assertThat(during.canary().writeSucceeded() && during.canary().writeMs() < Defaults.CANARY_LATENCY_OBJECTIVE_MS)
                .as("a write within the objective while the leader is gone: %s", during.canary()).isFalse();
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
        assertThat(harness.publisher().run(LAMBDA_TIME).metrics()).containsEntry("UnsealKeyUsable", 1.0);
        cluster.rig().kms().disableKey(r -> r.keyId(cluster.kmsKeyId()));
        try {
            // Seen at once, before any node restarts: every restart and every new node from now on stays sealed.
            assertThat(harness.publisher().run(LAMBDA_TIME).metrics()).containsEntry("UnsealKeyUsable", 0.0)
                    .containsEntry("SealedNodes", 0.0);
            cluster.restartNode(follower.instanceId());
            cluster.await("sealed after restart", Duration.ofSeconds(30), () -> cluster.healthCode(follower) == 503);
            HealthPublisherHandler.Outcome outcome = harness.publisher().run(LAMBDA_TIME);
            assertThat(outcome.metrics()).containsEntry("SealedNodes", 1.0).containsEntry("LeaderPresent", 1.0)
                    .containsEntry("UnsealKeyUsable", 0.0);
            assertThat(readBack()).containsEntry("SealedNodes", 1.0);
        } finally {
            cluster.rig().kms().enableKey(r -> r.keyId(cluster.kmsKeyId()));
        }
        follower.kill(); // heal replaces it
    }

    @Test
    @Order(7)
    void withQuorumLostTheCanaryFailsThroughTheLoadBalancer() {
        heal = false; // the next (last) test takes the rest of the cluster down anyway
        VaultNode leader = cluster.awaitLeader(Duration.ofSeconds(30));
        HealthPublisherHandler publisher = harness.publisher();
        assertThat(publisher.run(LAMBDA_TIME).canary().writeSucceeded()).isTrue();
        cluster.runningNodes().stream().filter(n -> n != leader).forEach(VaultNode::kill);
        cluster.await("no active node", Duration.ofSeconds(60), () -> cluster.healthCode(leader) != 200);

        HealthPublisherHandler.Outcome outcome = publisher.run(LAMBDA_TIME);

        assertThat(outcome.canary().readSucceeded()).isFalse();
        assertThat(outcome.canary().writeSucceeded()).isFalse();
        assertThat(outcome.metrics()).containsEntry("LeaderPresent", 0.0).containsEntry("CanarySuccess", 0.0);
        assertThat(readBack(MetricName.CANARY_SUCCESS, "Maximum")).as("the canary's latest run").isPresent();
        assertThat(readBack(MetricName.CANARY_SUCCESS, "Minimum")).contains(0.0);
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
