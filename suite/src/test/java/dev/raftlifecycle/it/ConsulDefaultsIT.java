package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.handlers.LaunchingHandler;
import dev.raftlifecycle.handlers.TerminatingHandler;
import dev.raftlifecycle.rig.ClusterSpec;
import dev.raftlifecycle.rig.ConsulCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.ConsulNode;
import dev.raftlifecycle.rig.EventBridgeEvents;
import dev.raftlifecycle.rig.LifecycleRecorder;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The handlers under Consul's own autopilot defaults rather than the rig's fast ones: dead-server cleanup on,
 * {@code last_contact_threshold} 200 ms, {@code server_stabilization_time} 10 s (set at run time through the
 * autopilot configuration endpoint, as {@code consul operator autopilot set-config} does). With {@code min_quorum} at
 * the voter count, as the README advises, Consul leaves a dead server to the handlers; with a lower one, Consul's
 * cleanup races the terminating handler for the same dead server, and either way the outcome is the same.
 */
class ConsulDefaultsIT {
    private static final Duration LAMBDA_TIME = Duration.ofMinutes(5);
    private static final Duration CONSUL_STABILIZATION = Duration.ofSeconds(10);

    @RegisterExtension
    static final RaftClusterExtension<ConsulCluster> CLUSTER = RaftClusterExtension.consul(ClusterSpec.defaults().withName("consul-defaults"));

    private ConsulCluster cluster;
    private HandlerHarness harness;

    @BeforeEach
    void consulsDefaults() {
        cluster = CLUSTER.cluster();
        harness = new HandlerHarness(cluster);
        cluster.autopilotConfiguration(Map.of("CleanupDeadServers", true, "LastContactThreshold", "200ms",
                "ServerStabilizationTime", CONSUL_STABILIZATION.toSeconds() + "s", "MinQuorum", 3));
    }

    @AfterEach
    void restore() {
        assertThat(harness.uncheckedLinesWithSecrets()).isEmpty();
        // The rig's fast settings back for the heal (a 10 s stabilization per replacement would only slow it down).
        cluster.autopilotConfiguration(Map.of("CleanupDeadServers", false, "LastContactThreshold", "1s",
                "ServerStabilizationTime", "3s", "MinQuorum", 0));
        cluster.heal(Duration.ofSeconds(120));
    }

    @Test
    void aFollowerLeavesAndItsReplacementIsLetInOnlyAfterConsulsTenSecondStabilization() throws Exception {
        ConsulNode follower = cluster.follower();
        LifecycleRecorder.LifecycleAction termination = cluster.openTermination(follower.instanceId());

        TerminatingHandler.Outcome removed = harness.terminating().handle(EventBridgeEvents.forAction(termination), LAMBDA_TIME);

        // 200 ms of last contact is tight: a healthy follower must still count (the handler looks again when it
        // doubts autopilot), or every termination on a default Consul would be refused.
        assertThat(removed.action()).as(removed.detail()).isEqualTo("CONTINUE");
        assertThat(removed.reason()).isEqualTo("voter-removed");
        String replacement = cluster.finishTermination(follower.instanceId());
        LifecycleRecorder.LifecycleAction launch = cluster.openLaunch(follower.groupName(), replacement);
        cluster.startNode(replacement);

        LaunchingHandler.Outcome launched = harness.launching().handle(EventBridgeEvents.forAction(launch), Duration.ofMinutes(5));

        assertThat(launched.action()).as(launched.detail()).isEqualTo("CONTINUE");
        Instant continued = cluster.rig().recorder().lifecycleCalls(launch.token()).stream()
                .filter(c -> c.action().equals("CompleteLifecycleAction")).findFirst().orElseThrow().at();
        JsonNode server = autopilotServer(replacement);
        Instant stableSince = OffsetDateTime.parse(server.path("StableSince").asText()).toInstant();
        assertThat(continued).isAfterOrEqualTo(stableSince.plus(CONSUL_STABILIZATION));
        assertThat(server.path("Voter").asBoolean()).isTrue();
    }

    @Test
    void withMinQuorumAtTheVoterCountConsulLeavesADeadServerToTheHandler() throws Exception {
        ConsulNode dead = cluster.follower();
        dead.kill();
        Thread.sleep(12_000); // Serf marks it failed, autopilot unhealthy; a cleanup would have pruned it by now
        assertThat(cluster.raftNodeIds()).as("min_quorum 3 keeps Consul from pruning below three").contains(dead.instanceId());

        LifecycleRecorder.LifecycleAction action = cluster.openTermination(dead.instanceId());
        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("CONTINUE");
        assertThat(outcome.reason()).isEqualTo("voter-removed");
        assertThat(cluster.raftNodeIds()).doesNotContain(dead.instanceId()).hasSize(2);
        assertThat(cluster.members().getOrDefault(dead.instanceId(), "none")).isIn("left", "none");
        cluster.finishTermination(dead.instanceId());
    }

    /**
     * Consul's cleanup and the terminating handler after the same dead server at the same moment. Whichever removes it,
     * the action CONTINUEs, the configuration is the two others with a leader, and nothing else is touched.
     */
    @Test
    void consulsCleanupRacingTheHandlerForTheSameDeadServerEndsTheSameWayWhicheverWins() {
        cluster.autopilotConfiguration(Map.of("MinQuorum", 2));
        ConsulNode leader = cluster.leader().orElseThrow();
        ConsulNode dead = cluster.follower();
        ConsulNode other = cluster.runningNodes().stream().filter(n -> n != leader && n != dead).findFirst().orElseThrow();
        dead.kill();
        cluster.await("Consul's cleanup about to act: autopilot calls " + dead.instanceId() + " unhealthy", Duration.ofSeconds(20),
                () -> !autopilotServer(dead.instanceId()).path("Healthy").asBoolean(true));
        LifecycleRecorder.LifecycleAction action = cluster.openTermination(dead.instanceId());

        TerminatingHandler.Outcome outcome = harness.terminating().handle(EventBridgeEvents.forAction(action), LAMBDA_TIME);

        assertThat(outcome.action()).as(outcome.detail()).isEqualTo("CONTINUE");
        assertThat(outcome.reason()).isIn("voter-removed", "not-a-member");
        assertThat(cluster.raftNodeIds()).containsExactlyInAnyOrder(leader.instanceId(), other.instanceId());
        assertThat(cluster.leader()).isPresent();
        assertThat(other.running()).isTrue();
        assertThat(cluster.kvPut("defaults/after-race", "ok")).isTrue();
        cluster.finishTermination(dead.instanceId());
    }

    private JsonNode autopilotServer(String instanceId) {
        for (JsonNode s : cluster.autopilot().path("Servers")) {
            if (s.path("Name").asText().equals(instanceId)) {
                return s;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
}
