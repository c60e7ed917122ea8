package dev.raftlifecycle.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** A short chaos run, as scripts/test runs it: no lost write, nothing stale or stuck. */
class LabChaosIT {
    private static Path labDir(String name) throws IOException {
        Path dir = Path.of(System.getProperty("rig.workDir", "target/rig-runs")).resolve(name);
        Files.createDirectories(dir);
        return dir;
    }

    private static String runInProcess(Path dir, int expectedExit, String... args) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit = Lab.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8), dir);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(out).isEqualTo(expectedExit);
        return out;
    }

    @Test
    void aShortChaosRunLosesNoWriteAndLeavesNothingStuck() throws Exception {
        String out = runInProcess(labDir("chaos"), 0, "chaos", "--rounds", "3", "--load", "20", "--seed", "42");
        assertThat(out).containsPattern(
                "chaos: rounds=3 passed=3 lost_writes=0 stale_peers=0 stuck_actions=0 p99_ms=\\d+ availability=\\d+\\.\\d+%"
                        + " time_availability=\\d+\\.\\d+% longest_write_stall_s=\\d+\\.\\d+");
        // Round 3 terminates the leader: its handover is traced from the servers' logs, in order.
        Matcher handover = Pattern.compile("handover to i-\\w+: step_down=(\\S+) teardown_done=(\\S+) raft_leader=(\\S+)"
                + " lock_acquired=(\\S+) active=(\\S+) .*peer_removed=(\\S+) completed=(\\S+)").matcher(out);
        assertThat(handover.find()).as(out).isTrue();
        double[] at = new double[7];
        for (int i = 0; i < 7; i++) {
            assertThat(handover.group(i + 1)).as("phase %d of %s", i, handover.group()).matches("\\d+\\.\\d+");
            at[i] = Double.parseDouble(handover.group(i + 1));
        }
        // step-down, its teardown, the election, the lock, post-unseal; the removal after the new leader, then CONTINUE.
        assertThat(at[0]).isLessThanOrEqualTo(at[1]);
        assertThat(at[1]).isLessThanOrEqualTo(at[2]);
        assertThat(at[2]).isLessThanOrEqualTo(at[3]);
        assertThat(at[3]).isLessThanOrEqualTo(at[4]);
        assertThat(at[2]).isLessThanOrEqualTo(at[5]);
        assertThat(at[5]).isLessThanOrEqualTo(at[6]);
        // Read back from the emulator's CloudWatch: the publisher counted exactly one leader change per leader
        // termination (round 3, and any other round whose random victim led), and its canary went through the
        // load-balancer stand-in all along.
        Matcher seen = Pattern.compile("read back from CloudWatch: leader_changes=(\\d+) leader_terminations=(\\d+) "
                + "canary_ops=(\\d+) canary_succeeded=(\\d+) canary_slowest_read_ms=(-?\\d+)").matcher(out);
        assertThat(seen.find()).as(out).isTrue();
        assertThat(Integer.parseInt(seen.group(2))).as(out).isBetween(1, 3)
                .isEqualTo((int) Pattern.compile("round \\d \\(leader\\)").matcher(out).results().count());
        assertThat(seen.group(1)).as("leader changes: %s", out).isEqualTo(seen.group(2));
        assertThat(Integer.parseInt(seen.group(3))).as("canary operations").isGreaterThanOrEqualTo(4);
        assertThat(Integer.parseInt(seen.group(4))).as("canary operations that succeeded").isPositive();
        assertThat(out).containsPattern("round 3 \\(leader\\): longest write stall \\d+\\.\\d+ s, \\d+ of \\d+ s without a write")
                .containsPattern("writes by time: \\d+\\.\\d+% of \\d+ s had a successful write");
    }

}
