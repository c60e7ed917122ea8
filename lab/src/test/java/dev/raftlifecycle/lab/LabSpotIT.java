package dev.raftlifecycle.lab;

import dev.raftlifecycle.lab.LabScript.Result;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.raftlifecycle.rig.Rig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What lifecycle hooks never see, through scripts/lab on a 3-node lab: {@code kill} delivers EC2's state changes
 * and the dead peer is gone at once (no grace period, no wait for the schedule); {@code spot} delivers the
 * interruption warning, the peer goes before the instance dies (the leader steps down first), and Spot's kill a few
 * seconds later finds nothing left to remove; the documentation's warning replayed with {@code invoke}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabSpotIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path dir;

    private static Result script(String... args) throws Exception {
        return LabScript.lab(dir, args);
    }

    private static JsonNode status() throws Exception {
        Result status = script("status", "--json");
        assertThat(status.exit()).as(status.out()).isZero();
        return JSON.readTree(status.stdout());
    }

    private static List<String> peersOf(JsonNode status, String role) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : status.path("nodes")) {
            if (n.path("role").asText().equals(role) && n.path("lifecycle").asText().equals("InService")) {
                out.add(n.path("instance").asText());
            }
        }
        return out;
    }

    /** Back to three peers, all healthy, with a leader, nothing stale (the group's replacement joined). */
    private static void awaitWhole() throws Exception {
        Instant until = Instant.now().plusSeconds(120);
        JsonNode s = status();
        while (Instant.now().isBefore(until)) {
            s = status();
            JsonNode c = s.path("cluster");
            if (c.path("peers").asInt() == 3 && c.path("failureTolerance").asInt() == 1 && !c.path("leader").asText().isEmpty()
                    && c.path("stalePeers").asInt(-1) == 0) {
                return;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("the lab did not heal: " + s);
    }

    @BeforeAll
    static void up() throws Exception {
        dir = Path.of(System.getProperty("rig.workDir", "target/rig-runs")).resolve("spot");
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve("lab.json"));
        Result up = script("up", "--launch-wait", "60", "--spot-groups", "3");
        assertThat(up.exit()).as(up.out()).isZero();
    }

    @AfterAll
    static void down() throws Exception {
        assertThat(script("down").out()).contains("lab: down");
    }

    @Test
    @Order(1)
    void killDeliversTheStateChangeAndTheDeadPeerIsGoneAtOnce() throws Exception {
        List<String> voters = peersOf(status(), "voter");
        String follower = voters.get(0);
        Result kill = script("kill", follower);
        assertThat(kill.exit()).as(kill.out()).isZero();
        assertThat(kill.out()).contains("EC2's state change (shutting-down) went to the reconciler: REMOVED (voter-removed)");
        // Right after the command, before the schedule or any grace period (30 s in the lab) could have done it. (The
        // group's replacement may already have joined on a slow machine: only the original members are counted.)
        JsonNode now = status();
        assertThat(now.toString()).doesNotContain("\"instance\":\"" + follower + "\",\"group\"");
        assertThat(peersOf(now, "voter")).doesNotContain(follower).containsAll(voters.subList(1, voters.size()));
        assertThat(now.path("cluster").path("leader").asText()).isNotEmpty();
        awaitWhole();
    }

    @Test
    @Order(2)
    void aSpotWarningRemovesTheFollowersPeerBeforeSpotTakesTheInstance() throws Exception {
        String follower = peersOf(status(), "voter").get(0);
        Result spot = script("spot", follower, "--notice", "30");
        assertThat(spot.exit()).as(spot.out()).isZero();
        assertThat(spot.out()).contains("spot warning for " + follower + ": REMOVED (voter-removed)",
                "Spot takes the instance 30 s after the warning");
        JsonNode warned = status();
        assertThat(warned.path("cluster").path("peers").asInt()).isEqualTo(2);
        // The instance still runs until Spot takes it.
        assertThat(warned.toString()).contains("\"instance\":\"" + follower + "\"");
        awaitWhole();
        assertThat(status().toString()).doesNotContain("\"instance\":\"" + follower + "\",\"group\"");
    }

    @Test
    @Order(3)
    void aSpotWarningForTheLeaderStepsItDownFirst() throws Exception {
        String leader = peersOf(status(), "leader").get(0);
        Result spot = script("spot", leader, "--notice", "3");
        assertThat(spot.out()).contains("spot warning for " + leader + ": REMOVED (leader-removed), leader stepped down");
        assertThat(status().path("cluster").path("leader").asText()).isNotEmpty().isNotEqualTo(leader);
        awaitWhole();
    }

    @Test
    @Order(4)
    void theDocumentationsWarningReplaysWithInvokeAndAWarningForAGoneInstanceChangesNothing() throws Exception {
        Path example = Rig.repoRoot().resolve("lab/examples/spot-interruption.json");
        // Delivered as written (--deliver-only): EC2 has not marked the instance's Spot request, so the warning is a
        // claim AWS does not confirm, and nothing is removed.
        int before = status().path("cluster").path("peers").asInt();
        Result forged = script("invoke", "interruption", example.toString(), "--instance", "follower", "--deliver-only");
        assertThat(forged.out()).contains("\"action\":\"NONE\"", "claim-not-confirmed").doesNotContain("marked for termination");
        assertThat(status().path("cluster").path("peers").asInt()).isEqualTo(before);
        // Replayed as EC2 sends it: the request marked, the event's time now, the peer removed.
        Result replay = script("invoke", "interruption", example.toString(), "--instance", "follower");
        assertThat(replay.out()).contains("filled in: instance-id 'i-1234567890abcdef0' -> ", "filled in: time '",
                "marked for termination", "\"action\":\"REMOVED\"");
        int peers = status().path("cluster").path("peers").asInt();
        assertThat(peers).isEqualTo(before - 1);
        // As written, for an instance of no group of the lab: ignored, nothing changes.
        Result foreign = script("invoke", "interruption", example.toString());
        assertThat(foreign.out()).contains("\"action\":\"IGNORED\"", "foreign-instance");
        Result rebalance = script("invoke", "interruption", Rig.repoRoot().resolve("lab/examples/rebalance.json").toString(),
                "--instance", "follower");
        assertThat(rebalance.out()).contains("\"action\":\"COUNTED\"", "rebalance-counted");
        assertThat(status().path("cluster").path("peers").asInt()).isEqualTo(peers);
    }
}
