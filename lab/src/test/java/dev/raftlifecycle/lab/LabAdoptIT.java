package dev.raftlifecycle.lab;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.lab.LabScript.Result;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The lab on a cluster not built our way (issue 32): {@code scripts/lab --foreign} (the demo's steps — a follower and the
 * leader terminated, an instance lost without a hook — on a cluster with UUID node ids and DNS-name addresses, adopted
 * first), and {@code scripts/lab up --foreign} / {@code adopt --shadow} / {@code down} as a user runs them.
 */
class LabAdoptIT {
    private static Path labDir(String name) throws IOException {
        Path dir = Path.of(System.getProperty("rig.workDir", "target/rig-runs")).resolve(name);
        Files.createDirectories(dir);
        return dir;
    }

    @Test
    void theDemoPassesEveryStepOnAnAdoptedForeignCluster() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit = Lab.run(new String[] {"--foreign"}, new PrintStream(bytes, true, StandardCharsets.UTF_8),
                labDir("demo-foreign"));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(out).isZero();
        assertThat(out).contains("adopt: handlers wired with MODE=active", "TerminateHookAbandon=retain",
                        "PASS  terminate a follower", "PASS  terminate the leader", "leader-removed after step-down",
                        "PASS  lose a follower's instance without a hook (a kill)", ".ec2.internal")
                .containsPattern("lab: (\\d+) passed, 0 failed").doesNotContain("FAIL");
    }

    @Test
    void upForeignRunsNoAutomationUntilAdoptAndAdoptShadowChangesNothing() throws Exception {
        Path dir = labDir("background-foreign");
        Files.deleteIfExists(dir.resolve("lab.json"));
        try {
            Result up = LabScript.lab(dir, "up", "--foreign", "--spot-groups", "0", "--probe", "0");
            assertThat(up.exit()).as(up.out()).isZero();
            assertThat(up.out()).contains("built the way other tools build them", "scripts/lab adopt");

            Result early = LabScript.lab(dir, "terminate", "random");
            assertThat(early.exit()).as(early.out()).isEqualTo(1);
            assertThat(early.out()).contains("none of our hooks yet", "scripts/lab adopt");

            Result adopt = LabScript.lab(dir, "adopt", "--shadow");
            assertThat(adopt.exit()).as(adopt.out()).isZero();
            assertThat(adopt.out()).contains("MODE=shadow", "TerminateHookAbandon=retain", "-launch", "-terminate",
                    "(default result CONTINUE)",
                    ".ec2.internal");

            Result shadow = LabScript.lab(dir, "terminate", "leader");
            assertThat(shadow.exit()).as(shadow.out()).isZero();
            assertThat(shadow.out()).contains("terminate hook CONTINUE").doesNotContain("peer removed", "stepped down");
        } finally {
            Result down = LabScript.lab(dir, "down");
            assertThat(down.out()).contains("lab: down");
        }
        assertThat(Files.exists(dir.resolve("lab.json"))).isFalse();
    }
}
