package dev.raftlifecycle.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
                "chaos: rounds=3 passed=3 lost_writes=0 stale_peers=0 stuck_actions=0 p99_ms=\\d+ availability=\\d+\\.\\d+%");
    }

}
