package dev.raftlifecycle.lab;

import dev.raftlifecycle.lab.LabScript.Result;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    private static Result script(Path dir, String... args) throws Exception {
        return LabScript.lab(dir, args);
    }

    @Test
    void theBackgroundLabRunsTheFullLifecycleAndDownStopsEverythingItStarted() throws Exception {
        Path dir = labDir("background");
        Files.deleteIfExists(dir.resolve("lab.json"));
        List<ProcessHandle> started = new ArrayList<>();
        try {
            java.util.concurrent.CompletableFuture<Result> first = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return script(dir, "up");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // A second up while the first is still bringing the cluster up says so and starts nothing.
            java.time.Instant until = java.time.Instant.now().plusSeconds(60);
            while (!Files.exists(dir.resolve("lab.json")) && java.time.Instant.now().isBefore(until)) {
                Thread.sleep(100);
            }
            Result racing = script(dir, "up");
            assertThat(racing.exit()).as(racing.out()).isEqualTo(1);
            assertThat(racing.out()).containsAnyOf("is starting a lab right now", "a lab is already starting",
                    "a lab is already running");

            Result up = first.join();
            assertThat(up.exit()).as(up.out()).isZero();
            assertThat(up.out()).contains("lab: up", "failure tolerance 1");
            long daemon = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("lab.json").toFile())
                    .path("pid").asLong();
            ProcessHandle.of(daemon).ifPresent(d -> {
                started.add(d);
                d.descendants().forEach(started::add);
            });
            assertThat(started).hasSizeGreaterThanOrEqualTo(5); // the daemon, moto, three Vault nodes

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
        // What the daemon had started by then (moto, the first Vault nodes) is gone with it; the check below
        // covers the Vault processes started later (replacements).
        assertThat(started.stream().filter(ProcessHandle::isAlive).map(ProcessHandle::info)).isEmpty();
        long leftovers = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(dir.toString()) && c.contains("vault")).orElse(false))
                .count();
        assertThat(leftovers).isZero();
    }
}
