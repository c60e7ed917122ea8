package dev.raftlifecycle.rig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A child process the rig owns: output goes to a log file, and every live one is killed when the JVM
 * exits (normally, on a failed test, or on Ctrl-C), so no stray Vault or moto outlives the run.
 */
public final class ManagedProcess {
    private static final Set<ManagedProcess> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (ManagedProcess p : LIVE) {
                p.process.descendants().forEach(ProcessHandle::destroyForcibly);
                p.process.destroyForcibly();
            }
        }, "rig-process-reaper"));
    }

    private final String name;
    private final Process process;
    private final Path log;

    private ManagedProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    public static ManagedProcess start(String name, List<String> command, Path log, Map<String, String> env) {
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            builder.environment().putAll(env);
            ManagedProcess managed = new ManagedProcess(name, builder.start(), log);
            LIVE.add(managed);
            record(managed.pid(), command.get(0));
            return managed;
        } catch (IOException e) {
            throw new RigException("cannot start " + name + " (" + command.get(0) + "): " + e.getMessage(), e);
        }
    }

    /**
     * Appends "pid program" to the file named by RIG_PID_FILE, when set (scripts/test sets it): the shutdown hook
     * cannot run when a test JVM is killed outright, and then scripts/test kills exactly what this run started.
     */
    private static synchronized void record(long pid, String program) {
        String ledger = System.getenv("RIG_PID_FILE");
        if (ledger == null || ledger.isBlank()) {
            return;
        }
        try {
            Files.writeString(Path.of(ledger), pid + " " + program + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            // best effort: the shutdown hook still covers every normal exit
        }
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    public Path log() {
        return log;
    }

    /** Exit code if the process has ended. */
    public Integer exitCode() {
        return process.isAlive() ? null : process.exitValue();
    }

    /** Waits for the process to end; returns its exit code, or null on timeout. */
    public Integer waitFor(int seconds) {
        if (await(seconds)) {
            LIVE.remove(this);
            return process.exitValue();
        }
        return null;
    }

    /** SIGHUP, as {@code systemctl reload} (the servers' ExecReload): the server re-reads its certificates. */
    public void hangUp() {
        if (!alive()) {
            throw new RigException(name + " is not running");
        }
        try {
            Process hup = new ProcessBuilder("kill", "-HUP", Long.toString(pid())).start();
            if (hup.waitFor() != 0) {
                throw new RigException("kill -HUP " + pid() + " failed");
            }
        } catch (IOException e) {
            throw new RigException("cannot signal " + name + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RigException("interrupted signalling " + name, e);
        }
    }

    /** SIGKILL: a crash or a lost instance, no chance to clean up. */
    public void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        await(10);
        LIVE.remove(this);
    }

    /** SIGTERM, then SIGKILL after the grace period. */
    public void stop(int graceSeconds) {
        process.destroy();
        if (!await(graceSeconds)) {
            kill();
        }
        LIVE.remove(this);
    }

    private boolean await(int seconds) {
        try {
            return process.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The last lines of the log, for failure messages. */
    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            List<String> last = new ArrayList<>(all.subList(Math.max(0, all.size() - lines), all.size()));
            return String.join("\n", last);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public String toString() {
        return name + "[pid " + pid() + (alive() ? "" : ", exited " + exitCode()) + "]";
    }
}
