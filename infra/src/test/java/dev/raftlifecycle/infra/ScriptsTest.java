package dev.raftlifecycle.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/rolling-upgrade against a stand-in `aws` command (no AWS account here): the order of the groups, the
 * refresh preferences, and where it stops. Plus syntax checks of the other shell entry points this module owns.
 */
class ScriptsTest {

    /**
     * Answers the few AWS CLI calls rolling-upgrade makes from files in $FAKE_AWS_DIR and logs every call:
     * status-GROUP holds the refresh statuses to return one per call (the last one repeats),
     * activities-GROUP and instances-GROUP the text the describe calls print, alarms the firing alarm names.
     */
    private static final String FAKE_AWS = """
            #!/usr/bin/env bash
            set -euo pipefail
            d="$FAKE_AWS_DIR"
            printf '%s\\n' "$*" >> "$d/calls.log"
            group=""
            prev=""
            for a in "$@"; do
              if [ "$prev" = "--auto-scaling-group-name" ] || [ "$prev" = "--auto-scaling-group-names" ]; then group="$a"; fi
              prev="$a"
            done
            case "$1 $2" in
              "cloudformation describe-stacks")
                case "$*" in
                  *ServerGroupNames*) echo "vault-servers-1,vault-servers-2,vault-servers-3" ;;
                  *ClusterName*) echo "vault" ;;
                  *GateAlarmNames*) echo "vault-no-leader,vault-failure-tolerance,vault-availability-slo-fast-burn" ;;
                esac ;;
              "cloudwatch describe-alarms") cat "$d/alarms" 2>/dev/null || true ;;
              "autoscaling start-instance-refresh") echo "refresh-$group" ;;
              "autoscaling cancel-instance-refresh") echo '{}' ;;
              "autoscaling describe-instance-refreshes")
                case "$*" in
                  *--instance-refresh-ids*)
                    f="$d/status-$group"
                    if [ "$(wc -l < "$f")" -gt 1 ]; then head -n1 "$f"; tail -n +2 "$f" > "$f.rest"; mv "$f.rest" "$f"
                    else cat "$f"; fi ;;
                  *) echo "" ;;
                esac ;;
              "autoscaling describe-scaling-activities") cat "$d/activities-$group" 2>/dev/null || true ;;
              "autoscaling describe-auto-scaling-groups")
                cat "$d/instances-$group" 2>/dev/null || printf 'i-0123\\tInService\\n' ;;
              *) echo "fake aws: unexpected call: $*" >&2; exit 99 ;;
            esac
            """;

    @TempDir
    Path dir;

    private Path bin;
    private Path state;

    record Result(int exit, String output, List<String> calls) {
        List<String> started() {
            return calls.stream().filter(c -> c.startsWith("autoscaling start-instance-refresh")).toList();
        }
    }

    @BeforeEach
    void fakeAws() throws IOException {
        bin = Files.createDirectories(dir.resolve("bin"));
        state = Files.createDirectories(dir.resolve("state"));
        Path aws = bin.resolve("aws");
        Files.writeString(aws, FAKE_AWS);
        Files.setPosixFilePermissions(aws, PosixFilePermissions.fromString("rwxr-xr-x"));
        for (int i = 1; i <= 3; i++) {
            Files.writeString(state.resolve("status-vault-servers-" + i), "InProgress\t10\tNone\nSuccessful\t100\tNone\n");
        }
    }

    private Result run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", script().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.put("PATH", bin + ":" + env.get("PATH"));
        env.put("FAKE_AWS_DIR", state.toString());
        Process process = builder.start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        Path log = state.resolve("calls.log");
        List<String> calls = Files.exists(log) ? Files.readAllLines(log) : List.of();
        return new Result(process.exitValue(), output, calls);
    }

    private static Path script() {
        return TestStacks.repoRoot().resolve("scripts/rolling-upgrade");
    }

    private static final String[] FAST = {"--poll", "0", "--settle", "0"};

    private Result runStack(String... extra) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--stack", "RaftLifecycle-vault"));
        args.addAll(List.of(FAST));
        args.addAll(List.of(extra));
        return run(args.toArray(String[]::new));
    }

    @Test
    void refreshesTheGroupsOneAtATimeLaunchingBeforeTerminating() throws Exception {
        Result result = runStack();
        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(result.started()).hasSize(3);
        for (int i = 0; i < 3; i++) {
            String call = result.started().get(i);
            assertThat(call).contains("--auto-scaling-group-name vault-servers-" + (i + 1));
            JsonNode preferences = new ObjectMapper().readTree(call.substring(call.indexOf("--preferences ") + 14,
                    call.indexOf(" --query")));
            assertThat(preferences.path("MinHealthyPercentage").asInt()).isEqualTo(100);
            assertThat(preferences.path("MaxHealthyPercentage").asInt()).isEqualTo(200);
            assertThat(preferences.path("SkipMatching").asBoolean()).isTrue();
        }
        // One at a time: group 2 starts only after group 1's refresh reported Successful.
        List<String> calls = result.calls();
        int firstStart = calls.indexOf(result.started().get(0));
        int secondStart = calls.indexOf(result.started().get(1));
        assertThat(calls.subList(firstStart, secondStart))
                .filteredOn(c -> c.contains("--instance-refresh-ids refresh-vault-servers-1")).hasSize(2);
        assertThat(result.output()).contains("all groups refreshed");
    }

    @Test
    void stopsAtTheFirstFailedRefresh() throws Exception {
        Files.writeString(state.resolve("status-vault-servers-2"), "Failed\t50\tInstances failed to launch\n");
        Result result = runStack();
        assertThat(result.exit()).as(result.output()).isEqualTo(1);
        assertThat(result.started()).hasSize(2);
        assertThat(result.output()).contains("vault-servers-2: refresh refresh-vault-servers-2 ended Failed");
    }

    @Test
    void stopsAtTheFirstCancelledRefresh() throws Exception {
        Files.writeString(state.resolve("status-vault-servers-1"), "InProgress\t0\tNone\nCancelled\t0\tNone\n");
        Result result = runStack();
        assertThat(result.exit()).as(result.output()).isEqualTo(1);
        assertThat(result.started()).hasSize(1);
    }

    @Test
    void stopsAndCancelsAtTheFirstAbandonedLifecycleAction() throws Exception {
        Files.writeString(state.resolve("status-vault-servers-1"), "InProgress\t10\tNone\n");
        Files.writeString(state.resolve("activities-vault-servers-1"),
                "2000-01-01T00:00:00Z\told\tSuccessful\tNone\tLaunching a new EC2 instance: i-old ABANDON long ago\n"
                + "2999-01-01T00:00:00Z\ta1\tCancelled\tInstance failed to complete user's Lifecycle Action: "
                + "Lifecycle Action Completed with ABANDON Result\tLaunching a new EC2 instance: i-new\n");
        Result result = runStack();
        assertThat(result.exit()).as(result.output()).isEqualTo(2);
        assertThat(result.started()).hasSize(1);
        assertThat(result.calls()).anyMatch(c -> c.startsWith("autoscaling cancel-instance-refresh")
                && c.contains("vault-servers-1"));
        assertThat(result.output()).contains("ABANDON").contains("RUNBOOK.md#lifecycle-abandon");
    }

    @Test
    void anOldAbandonBeforeTheRefreshDoesNotStopIt() throws Exception {
        Files.writeString(state.resolve("activities-vault-servers-1"),
                "2000-01-01T00:00:00Z\told\tCancelled\tLifecycle Action Completed with ABANDON Result\tLaunching\n");
        Result result = runStack();
        assertThat(result.exit()).as(result.output()).isZero();
    }

    @Test
    void stopsWhenAnInstanceIsRetained() throws Exception {
        Files.writeString(state.resolve("status-vault-servers-1"), "InProgress\t50\tNone\n");
        Files.writeString(state.resolve("instances-vault-servers-1"), "i-1\tInService\ni-2\tTerminating:Retained\n");
        Result result = runStack();
        assertThat(result.exit()).as(result.output()).isEqualTo(2);
        assertThat(result.output()).contains("retained instance: i-2");
    }

    @Test
    void refusesToStartWhileAnAlarmFires() throws Exception {
        Files.writeString(state.resolve("alarms"), "vault-failure-tolerance\n");
        Result result = runStack();
        assertThat(result.exit()).as(result.output()).isEqualTo(3);
        assertThat(result.started()).isEmpty();
        assertThat(result.calls()).anyMatch(c -> c.contains(
                "--alarm-names vault-no-leader vault-failure-tolerance vault-availability-slo-fast-burn"));
        assertThat(runStack("--no-alarm-gate").exit()).isZero();
    }

    @Test
    void aBurnRateWindowAloneDoesNotStopTheRoll() throws Exception {
        // One bad minute keeps a 60-minute window in ALARM for an hour; the composite is what counts.
        Files.writeString(state.resolve("alarms"), "vault-availability-slo-60m\tvault-availability-slo-5m\n");
        List<String> args = new ArrayList<>(List.of("--groups", "vault-servers-1", "--cluster", "vault"));
        args.addAll(List.of(FAST));
        Result result = run(args.toArray(String[]::new));
        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(result.started()).hasSize(1);
    }

    @Test
    void explicitGroupsAndDryRun() throws Exception {
        Result dry = run("--groups", "blue-servers-1,blue-servers-2", "--dry-run", "--poll", "0");
        assertThat(dry.exit()).as(dry.output()).isZero();
        assertThat(dry.started()).isEmpty();
        assertThat(dry.calls()).anyMatch(c -> c.contains("--alarm-name-prefix blue-"));
        assertThat(dry.output()).contains("would start an instance refresh of blue-servers-2");
    }

    @Test
    void helpAndUsageErrors() throws Exception {
        Result help = run("--help");
        assertThat(help.exit()).isZero();
        assertThat(help.output()).contains("Usage: scripts/rolling-upgrade --stack NAME")
                .contains("MaxHealthyPercentage 200").doesNotContain("set -euo");
        assertThat(run("--bogus").exit()).isEqualTo(64);
        assertThat(run().exit()).isEqualTo(64);
        assertThat(run("--stack", "x", "--groups", "y").exit()).isEqualTo(64);
        assertThat(help.calls()).isEmpty();
    }

    @Test
    void configureVaultUsesTheContractsRolesPoliciesAndPolicyFiles() throws Exception {
        String script = Files.readString(TestStacks.repoRoot().resolve("scripts/configure-vault"));
        assertThat(script).contains("mutating_role=\"" + dev.raftlifecycle.contract.VaultAccess.MUTATING_ROLE + "\"",
                "mutating_policy=\"" + dev.raftlifecycle.contract.VaultAccess.MUTATING_POLICY + "\"",
                "read_role=\"" + dev.raftlifecycle.contract.VaultAccess.READ_ROLE + "\"",
                "read_policy=\"" + dev.raftlifecycle.contract.VaultAccess.READ_POLICY + "\"",
                "publisher_role=\"" + dev.raftlifecycle.contract.VaultAccess.PUBLISHER_ROLE + "\"",
                "canary_policy=\"" + dev.raftlifecycle.contract.VaultAccess.CANARY_POLICY + "\"",
                "canary_mount=\"" + dev.raftlifecycle.contract.VaultAccess.CANARY_MOUNT + "\"",
                "canary_read_path=\"" + dev.raftlifecycle.contract.VaultAccess.CANARY_READ_PATH + "\"",
                "canary_value_field=\"" + dev.raftlifecycle.contract.VaultAccess.CANARY_VALUE_FIELD + "\"",
                "canary_value=\"" + dev.raftlifecycle.contract.VaultAccess.CANARY_VALUE + "\"",
                "$policy_dir/" + Path.of(dev.raftlifecycle.contract.VaultAccess.CANARY_POLICY_RESOURCE).getFileName(),
                "$policy_dir/" + Path.of(dev.raftlifecycle.contract.VaultAccess.MUTATING_POLICY_RESOURCE).getFileName(),
                "$policy_dir/" + Path.of(dev.raftlifecycle.contract.VaultAccess.READ_POLICY_RESOURCE).getFileName());
        Path policies = TestStacks.repoRoot().resolve("functions/src/main/resources");
        assertThat(policies.resolve(dev.raftlifecycle.contract.VaultAccess.MUTATING_POLICY_RESOURCE)).isRegularFile();
        assertThat(Files.readString(policies.resolve(dev.raftlifecycle.contract.VaultAccess.READ_POLICY_RESOURCE)))
                .doesNotContain("remove-peer", "step-down", "update", "sudo");
        // The canary's policy: exactly its two paths, nothing under sys/.
        String canary = Files.readString(policies.resolve(dev.raftlifecycle.contract.VaultAccess.CANARY_POLICY_RESOURCE));
        assertThat(canary).contains("path \"" + dev.raftlifecycle.contract.VaultAccess.CANARY_READ_PATH + "\"",
                "path \"" + dev.raftlifecycle.contract.VaultAccess.CANARY_WRITE_PATH + "\"")
                .doesNotContain("sys/", "*", "delete", "sudo", "list");
        assertThat(canary.lines().filter(l -> l.startsWith("path ")).count()).isEqualTo(2);
    }

    @Test
    void shellEntryPointsParse() throws Exception {
        for (Path file : List.of(script(), TestStacks.infraDir().resolve("bin/cdk-app"),
                TestStacks.repoRoot().resolve("scripts/lib/tools-infra.sh"))) {
            Process process = new ProcessBuilder("bash", "-n", file.toString()).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor()).as(file + ": " + output).isZero();
        }
        assertThat(Files.isExecutable(script())).isTrue();
        assertThat(Files.isExecutable(TestStacks.infraDir().resolve("bin/cdk-app"))).isTrue();
    }

    @Test
    void cdkJsonRunsTheAppThroughItsLauncher() throws Exception {
        JsonNode cdkJson = new ObjectMapper().readTree(TestStacks.infraDir().resolve("cdk.json").toFile());
        assertThat(cdkJson.path("app").asText()).isEqualTo("bin/cdk-app");
        String launcher = Files.readString(TestStacks.infraDir().resolve("bin/cdk-app"));
        assertThat(launcher).contains(RaftLifecycleApp.class.getName()).contains("use_jdk").contains("use_maven");
    }
}
