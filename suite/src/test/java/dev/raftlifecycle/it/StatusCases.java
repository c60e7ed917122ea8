package dev.raftlifecycle.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.rig.LocalLambdaContext;
import dev.raftlifecycle.rig.RaftCluster;
import dev.raftlifecycle.rig.RaftClusterExtension;
import dev.raftlifecycle.rig.RaftNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;

/**
 * The publisher's status entry point ({@code {"status":true}}) on a real 3-node cluster, through the Lambda entry
 * point under the publisher's synthesized role, written once and run on each system ({@link StatusIT} Vault,
 * {@link ConsulStatusIT} Consul). Expectations come from the rig's own look at the cluster (its leader, its processes,
 * its own DescribeAutoScalingGroups), and the emulator's record of the AWS calls says the status call only read.
 */
abstract class StatusCases {
    private static final Duration LAMBDA_TIME = Duration.ofMinutes(1);
    /** The AWS actions that only read. */
    private static final Pattern READ = Pattern.compile("(Describe|Get|List|Query|Scan|BatchGet)\\w*");

    /** The subclass's cluster fixture. */
    abstract RaftClusterExtension<? extends RaftCluster> fixture();

    private RaftCluster cluster;
    private HandlerHarness harness;

    @BeforeEach
    void setUp() {
        cluster = fixture().cluster();
        harness = new HandlerHarness(cluster);
    }

    @AfterEach
    void restore() {
        cluster.heal(Duration.ofSeconds(120));
    }

    private JsonNode status() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        harness.publisher().handleRequest(new ByteArrayInputStream("{\"status\":true}".getBytes(StandardCharsets.UTF_8)),
                out, new LocalLambdaContext(LAMBDA_TIME));
        JsonNode status = new ObjectMapper().readTree(out.toByteArray());
        System.out.println("status of " + cluster.name() + ": " + status.toPrettyString());
        return status;
    }

    @Test
    void aHealthyClusterShowsItsLeaderThreeVotersToleranceOneAndTheCallOnlyReads() throws Exception {
        String leader = cluster.awaitLeader(Duration.ofSeconds(30)).instanceId();
        cluster.await("autopilot healthy", Duration.ofSeconds(60), cluster::autopilotHealthy);

        JsonNode status = status();

        assertThat(status.path("problems")).isEmpty();
        assertThat(status.path("healthy").asBoolean()).isTrue();
        assertThat(status.path("system").asText()).isEqualTo(cluster.system().value());
        assertThat(status.path("leader").path("instanceId").asText()).isEqualTo(leader);
        assertThat(status.path("voters").asInt()).isEqualTo(3);
        assertThat(status.path("healthyVoters").asInt()).isEqualTo(3);
        assertThat(status.path("failureTolerance").asInt()).isEqualTo(1);
        assertThat(status.path("unmatchedPeers")).isEmpty();
        assertThat(status.path("pendingActions")).isEmpty();
        // One version, reported by each of the three nodes.
        assertThat(status.path("versions").size()).isEqualTo(1);
        assertThat(status.path("versions").elements().next().asInt()).isEqualTo(3);

        Set<String> nodes = cluster.raftNodeIds();
        List<String> rows = new ArrayList<>();
        for (JsonNode row : status.path("instances")) {
            rows.add(row.path("instanceId").asText());
            assertThat(row.path("lifecycleState").asText()).isEqualTo("InService");
            assertThat(row.path("voter").asBoolean()).as(row.toString()).isTrue();
            assertThat(row.path("healthyVoter").asBoolean()).as(row.toString()).isTrue();
            assertThat(row.path("leader").asBoolean()).as(row.toString()).isEqualTo(row.path("instanceId").asText().equals(leader));
            assertThat(row.path("nodeId").asText()).isIn(nodes);
            assertThat(row.path("launchTemplateVersion").isTextual()).as(row.toString()).isTrue();
        }
        assertThat(rows).containsExactlyInAnyOrderElementsOf(cluster.runningNodes().stream().map(RaftNode::instanceId).toList());

        // The groups as the rig's own describe shows them, in configuration order.
        List<AutoScalingGroup> described = cluster.rig().autoScaling()
                .describeAutoScalingGroups(r -> r.autoScalingGroupNames(cluster.groupNames())).autoScalingGroups();
        assertThat(status.path("groups")).hasSize(cluster.groupNames().size());
        for (int g = 0; g < cluster.groupNames().size(); g++) {
            JsonNode row = status.path("groups").get(g);
            String name = cluster.groupNames().get(g);
            AutoScalingGroup truth = described.stream().filter(a -> a.autoScalingGroupName().equals(name)).findFirst().orElseThrow();
            assertThat(row.path("name").asText()).isEqualTo(name);
            assertThat(row.path("desiredCapacity").asInt()).isEqualTo(truth.desiredCapacity());
            assertThat(row.path("minSize").asInt()).isEqualTo(truth.minSize());
            assertThat(row.path("maxSize").asInt()).isEqualTo(truth.maxSize());
            assertThat(row.path("launchTemplateVersion").asText()).isEqualTo(truth.launchTemplate().version());
        }

        // It read and wrote nothing: no metric, no record, no mark in the lock table.
        List<String> calls = harness.awsCalls();
        assertThat(calls).isNotEmpty().anyMatch(c -> c.endsWith(":DescribeAutoScalingGroups"));
        assertThat(calls).noneMatch(c -> c.contains("PutMetricData"));
        assertThat(calls).allSatisfy(c -> assertThat(c.substring(c.indexOf(':') + 1)).as(c).matches(READ));
    }

    @Test
    void aFollowerWhoseProcessIsKilledMakesTheClusterUnhealthyWithNoVoterToLose() throws Exception {
        cluster.await("autopilot healthy", Duration.ofSeconds(60), cluster::autopilotHealthy);
        RaftNode follower = cluster.follower();
        follower.kill();

        JsonNode status = status();

        assertThat(status.path("healthy").asBoolean()).isFalse();
        assertThat(status.path("failureTolerance").asInt()).isZero();
        assertThat(status.path("voters").asInt()).isEqualTo(3);
        assertThat(status.path("healthyVoters").asInt()).isEqualTo(2);
        List<String> problems = new ArrayList<>();
        status.path("problems").forEach(p -> problems.add(p.asText()));
        assertThat(problems).anyMatch(p -> p.contains(follower.instanceId()));
        JsonNode row = null;
        for (JsonNode r : status.path("instances")) {
            if (r.path("instanceId").asText().equals(follower.instanceId())) {
                row = r;
            }
        }
        assertThat(row).isNotNull();
        assertThat(row.path("healthyVoter").asBoolean()).isFalse();
        assertThat(row.path("health").asText()).isEqualTo("UNREACHABLE");
        assertThat(harness.awsCalls()).noneMatch(c -> c.contains("PutMetricData"));
    }
}
