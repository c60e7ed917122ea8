package dev.raftlifecycle.lab;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.rig.Rig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs {@code scripts/lab} (or a tool aimed at the lab) against one lab folder, as a user would: the lab ITs' runner. */
final class LabScript {
    private LabScript() {
    }

    /**
     * A finished command: its exit code, its output (stdout, then stderr) and its stdout alone (what a program reads:
     * {@code status --json}; the scripts' progress lines go to stderr).
     */
    record Result(int exit, String out, String stdout) {
    }

    /** {@code scripts/lab <args>}, as a command line. */
    static List<String> command(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Rig.repoRoot().resolve("scripts/lab").toString());
        command.addAll(List.of(args));
        return command;
    }

    /** {@code scripts/lab <args>} against the lab in {@code dir}. */
    static Result lab(Path dir, String... args) throws Exception {
        return run(dir, Map.of(), command(args));
    }

    /**
     * Any command with the lab's folder in its environment. LAB_PREBUILT: this Maven run has just built the
     * classes; scripts/lab must not rebuild them under the running tests.
     */
    static Result run(Path dir, Map<String, String> env, List<String> command) throws Exception {
        // stderr to a file, not a pipe: a background process the command starts (scripts/lab up's daemon) may keep
        // the stream open long after the command has exited.
        Path err = Files.createTempFile("lab-stderr", ".txt");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(err.toFile());
            builder.environment().putAll(Map.of("LAB_DIR", dir.toString(), "NO_COLOR", "1", "LAB_PREBUILT", "1"));
            builder.environment().putAll(env);
            Process process = builder.start();
            String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(20, TimeUnit.MINUTES)).isTrue();
            return new Result(process.exitValue(), stdout + Files.readString(err), stdout);
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
