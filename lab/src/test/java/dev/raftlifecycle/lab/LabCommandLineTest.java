package dev.raftlifecycle.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabCommandLineTest {
    @TempDir
    Path dir;

    private String run(int expectedExit, String... args) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        String previous = System.getProperty("lab.dir");
        System.setProperty("lab.dir", dir.toString());
        try {
            int exit = Lab.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
            assertThat(exit).as(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(expectedExit);
        } finally {
            if (previous == null) {
                System.clearProperty("lab.dir");
            } else {
                System.setProperty("lab.dir", previous);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void unknownCommandsAndBadOptionsPrintUsageWithExitCodeTwo() throws Exception {
        assertThat(run(2, "explode")).contains("lab: unknown command 'explode'", "usage: scripts/lab");
        assertThat(run(2, "chaos", "--rounds", "many")).contains("--rounds must be a number, not 'many'");
        assertThat(run(2, "up", "--nodes", "2")).contains("--nodes must be between 3 and 9");
        assertThat(run(2, "terminate")).contains("terminate takes one instance id");
        assertThat(run(2, "invoke", "launching")).contains("invoke takes a handler");
        assertThat(run(2, "--system", "etcd")).contains("--system must be vault or consul, not 'etcd'");
        assertThat(run(2, "chaos", "--system", "consul")).contains("--system consul: only the scripted demo", "'chaos' is Vault-only");
        assertThat(run(2, "chaos", "--rounds")).contains("--rounds needs a value");
        assertThat(run(2, "chaos", "--client", "sometimes")).contains("--client must be deadline or before, not 'sometimes'");
        assertThat(run(2, "chaos", "--step-down-quiet", "61")).contains("--step-down-quiet must be between 0 and 60");
        assertThat(run(2, "--foreign", "--system", "consul")).contains("--foreign is Vault only");
        assertThat(run(2, "adopt", "now")).contains("adopt takes no argument");
    }

    @Test
    void commandsForARunningLabSayWhenNoneIsRunning() throws Exception {
        assertThat(run(1, "status")).contains("no lab is running; start one with 'scripts/lab up'");
        assertThat(run(1, "down")).contains("no lab is running");
        assertThat(run(1, "adopt", "--shadow")).contains("no lab is running");
    }

    @Test
    void aStaleStateFileOfADeadDaemonIsNotMistakenForARunningLab() throws Exception {
        Files.writeString(dir.resolve("lab.json"), "{\"pid\":999999999,\"port\":1,\"ready\":true}");
        assertThat(run(1, "status")).contains("no lab is running");
    }

    @Test
    void helpListsEveryCommand() throws Exception {
        assertThat(run(0, "help")).contains("up [--nodes N]", "status [--json]", "terminate <instance-id|leader|random>",
                "kill [--process-only]", "spot <instance-id> [--notice S]",
                "invoke <terminating|launching|publisher|reconciler|interruption>", "down", "chaos [--nodes N]",
                "[--foreign]", "adopt [--shadow] [--no-retain-policy]");
    }
}
