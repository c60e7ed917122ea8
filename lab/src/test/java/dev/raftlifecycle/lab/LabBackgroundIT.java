package dev.raftlifecycle.lab;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.rig.Rig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The background lab through scripts/lab itself, as a user runs it: up, a second up, status, terminate,
 * invoke, down — and down leaves no process behind.
 */
class LabBackgroundIT {
    private static Path labDir(String name) throws IOException {
        Path dir = Path.of(System.getProperty("rig.workDir", "target/rig-runs")).resolve(name);
        Files.createDirectories(dir);
        return dir;
    }

    private record Result(int exit, String out) {
    }

    private static Result script(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Rig.repoRoot().resolve("scripts/lab").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(Map.of("LAB_DIR", dir.toString(), "NO_COLOR", "1"));
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(20, TimeUnit.MINUTES)).isTrue();
        return new Result(process.exitValue(), out);
    }

    @Test
    void theBackgroundLabRunsTheFullLifecycleAndDownStopsEverythingItStarted() throws Exception {
        Path dir = labDir("background");
        try {
            Result up = script(dir, "up");
            assertThat(up.exit()).as(up.out()).isZero();
            assertThat(up.out()).contains("lab: up", "failure tolerance 1");

            Result again = script(dir, "up");
            assertThat(again.exit()).isEqualTo(1);
            assertThat(again.out()).contains("a lab is already running");

            Result status = script(dir, "status", "--json");
            assertThat(status.exit()).isZero();
            assertThat(status.out()).contains("\"leader\"", "\"failureTolerance\" : 1");

            Result terminate = script(dir, "terminate", "leader");
            assertThat(terminate.exit()).as(terminate.out()).isZero();
            assertThat(terminate.out()).contains("terminate hook CONTINUE (leader-removed), leader stepped down, peer removed",
                    "launch hook CONTINUE (ready)");

            Path event = dir.resolve("foreign.json");
            Files.writeString(event, """
                    {"version":"0","id":"x","detail-type":"EC2 Instance-launch Lifecycle Action","source":"aws.autoscaling",
                     "account":"123456789012","time":"2026-11-22T00:00:00Z","region":"us-east-1","resources":[],
                     "detail":{"LifecycleActionToken":"87654321-4321-4321-4321-210987654321","AutoScalingGroupName":"not-ours",
                     "LifecycleHookName":"h","EC2InstanceId":"i-0123456789abcdef0",
                     "LifecycleTransition":"autoscaling:EC2_INSTANCE_LAUNCHING"}}""");
            Result invoke = script(dir, "invoke", "launching", event.toString());
            assertThat(invoke.out()).contains("\"action\":\"IGNORED\"", "foreign-group");
            Result publish = script(dir, "invoke", "publisher", event.toString());
            assertThat(publish.out()).contains("\"LeaderPresent\":1.0");
        } finally {
            Result down = script(dir, "down");
            assertThat(down.out()).contains("lab: down");
        }
        assertThat(Files.exists(dir.resolve("lab.json"))).isFalse();
        long leftovers = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(dir.toString()) && c.contains("vault")).orElse(false))
                .count();
        assertThat(leftovers).isZero();
    }
}
