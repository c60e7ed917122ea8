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

/**
 * scripts/lab roll as scripts/test runs it: scripts/rolling-upgrade (leader-last) against the lab's AWS endpoint
 * replaces every node of a 3-node and a 5-node cluster under KV load with one election and no lost write. The roll's
 * own checks (every instance InService on the new version, no stale peer, no open lifecycle action, every
 * acknowledged write readable) fail the command when they fail; these tests read its closing line.
 */
class LabRollIT {
    private static final Pattern LINE = Pattern.compile("roll: nodes=(\\d+) replaced=(\\d+) elections=(\\d+) "
            + "lost_writes=(\\d+) min_failure_tolerance=(-?\\d+) longest_write_stall_s=(\\d+\\.\\d) duration_s=(\\d+\\.\\d)");

    private static Path labDir(String name) throws IOException {
        Path dir = Path.of(System.getProperty("rig.workDir", "target/rig-runs")).resolve(name);
        Files.createDirectories(dir);
        return dir;
    }

    private static Matcher roll(String name, int nodes) throws Exception {
        String out = run(name, nodes, "leader-last");
        assertThat(out).as("the script replaced the leader last").containsPattern(
                "step \\d+: launch a replacement for i-\\w+ \\(the leader, last");
        return line(out);
    }

    private static String run(String name, int nodes, String order) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit = Lab.run(new String[] {"roll", "--nodes", Integer.toString(nodes), "--load", "20", "--order", order},
                new PrintStream(bytes, true, StandardCharsets.UTF_8), labDir(name));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(out).isZero();
        return out;
    }

    private static Matcher line(String out) {
        Matcher line = LINE.matcher(out);
        assertThat(line.find()).as(out).isTrue();
        assertThat(out.strip()).as("the roll line ends the output").endsWith(line.group());
        return line;
    }

    private static void assertOneElectionNoLoss(Matcher line, int nodes) {
        assertThat(Integer.parseInt(line.group(1))).as(line.group()).isEqualTo(nodes);
        assertThat(Integer.parseInt(line.group(2))).as(line.group()).isEqualTo(nodes);
        assertThat(Integer.parseInt(line.group(3))).as("elections: " + line.group()).isEqualTo(1);
        assertThat(Integer.parseInt(line.group(4))).as(line.group()).isZero();
        // Launch before terminate: voters answering never fall below a full cluster's tolerance.
        assertThat(Integer.parseInt(line.group(5))).as(line.group()).isEqualTo((nodes - 1) / 2);
    }

    @Test
    void aThreeNodeRollReplacesEveryNodeWithOneElectionAndNoLostWrite() throws Exception {
        assertOneElectionNoLoss(roll("roll-3", 3), 3);
    }

    @Test
    void aFiveNodeRollReplacesEveryNodeWithOneElectionAndNoLostWrite() throws Exception {
        assertOneElectionNoLoss(roll("roll-5", 5), 5);
    }

    @Test
    void theOrderAwsWouldPickReplacesEveryNodeToo() throws Exception {
        // One instance refresh per group, played as AWS documents it: every node replaced, nothing lost; the elections
        // are whatever the groups' order costs (scripts/bench roll compares them).
        String out = run("roll-as-aws", 3, "as-aws");
        assertThat(out).contains("instance refresh").doesNotContain("the leader, last");
        Matcher line = line(out);
        assertThat(Integer.parseInt(line.group(2))).as(line.group()).isEqualTo(3);
        assertThat(Integer.parseInt(line.group(3))).as(line.group()).isPositive();
        assertThat(Integer.parseInt(line.group(4))).as(line.group()).isZero();
    }
}
