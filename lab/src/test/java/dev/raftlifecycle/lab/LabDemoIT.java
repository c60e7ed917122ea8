package dev.raftlifecycle.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The scripted demo (no arguments to scripts/lab), run in this JVM: every step passes. */
class LabDemoIT {
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
    void theDemoPassesEveryStep() throws Exception {
        String out = runInProcess(labDir("demo"), 0);
        assertThat(out).contains("PASS  terminate a follower", "PASS  terminate the leader", "leader-removed after step-down",
                "lab: timeline written to").containsPattern("lab: (\\d+) passed, 0 failed");
        assertThat(out).doesNotContain("FAIL");
    }

    @Test
    void theConsulDemoPassesEveryStep() throws Exception {
        String out = runInProcess(labDir("demo-consul"), 0, "--system", "consul");
        assertThat(out).contains("PASS  terminate a follower", "PASS  terminate the leader", "leader-removed after leadership transfer",
                "PASS  lose a follower without a hook", "HealthyVoters 3").containsPattern("lab: (\\d+) passed, 0 failed");
        assertThat(out).doesNotContain("FAIL");
    }

}
