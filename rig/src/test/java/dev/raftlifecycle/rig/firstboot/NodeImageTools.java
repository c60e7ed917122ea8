package dev.raftlifecycle.rig.firstboot;

import dev.raftlifecycle.rig.Rig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The external tools the node-image tests run, as scripts/lib/tools-node.sh installs and exports them. A
 * missing one fails the test with the variable's name and how to get it; nothing is skipped.
 */
final class NodeImageTools {
    private NodeImageTools() {
    }

    /** The result of one command: exit code and combined output. */
    record Run(List<String> command, int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }

        String describe() {
            return String.join(" ", command) + " exited " + exitCode + ":\n" + output;
        }
    }

    static Path ansiblePlaybook() {
        return tool("RIG_ANSIBLE_PLAYBOOK");
    }

    static Path ansibleLint() {
        return tool("RIG_ANSIBLE_LINT");
    }

    static Path shellcheck() {
        return tool("RIG_SHELLCHECK");
    }

    static Path packer() {
        return tool("RIG_PACKER");
    }

    static Path packerPluginPath() {
        Path dir = Path.of(required("RIG_PACKER_PLUGIN_PATH"));
        if (!Files.isDirectory(dir)) {
            throw new AssertionError("RIG_PACKER_PLUGIN_PATH=" + dir + " is not a directory; " + HOW);
        }
        return dir;
    }

    static Path strace() {
        return tool("RIG_STRACE");
    }

    static Path systemdAnalyze() {
        return tool("RIG_SYSTEMD_ANALYZE");
    }

    static Path repoRoot() {
        return Rig.repoRoot();
    }

    static Path ansibleDir() {
        return repoRoot().resolve("ansible");
    }

    static Path amiDir() {
        return repoRoot().resolve("ami");
    }

    private static final String HOW = "run the tests through scripts/test, which installs the node-image tools "
            + "(scripts/lib/tools-node.sh: ensure_tools_node)";

    private static Path tool(String variable) {
        Path path = Path.of(required(variable));
        if (!Files.isExecutable(path)) {
            throw new AssertionError(variable + "=" + path + " is not an executable file; " + HOW);
        }
        return path;
    }

    private static String required(String variable) {
        String value = System.getenv(variable);
        if (value == null || value.isBlank()) {
            throw new AssertionError(variable + " is not set; " + HOW);
        }
        return value;
    }

    /**
     * Environment for Ansible: its own home and temp under {@code scratch}, no colour, the virtualenv first on
     * PATH (ansible-lint runs its siblings), and no AWS settings inherited from the machine.
     */
    static Map<String, String> ansibleEnvironment(Path scratch) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet().removeIf(k -> (k.startsWith("AWS_") && !k.equals("AWS_CA_BUNDLE")) || k.startsWith("ANSIBLE_"));
        Path bin = ansiblePlaybook().getParent();
        env.put("PATH", bin + java.io.File.pathSeparator + System.getenv().getOrDefault("PATH", ""));
        env.put("ANSIBLE_CONFIG", ansibleDir().resolve("ansible.cfg").toString());
        env.put("ANSIBLE_HOME", scratch.resolve("ansible-home").toString());
        env.put("ANSIBLE_LOCAL_TEMP", scratch.resolve("ansible-tmp").toString());
        env.put("ANSIBLE_REMOTE_TEMP", scratch.resolve("ansible-tmp").toString());
        env.put("ANSIBLE_NOCOLOR", "1");
        env.put("ANSIBLE_FORCE_COLOR", "0");
        env.put("NO_COLOR", "1");
        return env;
    }

    /** Runs a command to completion (or the timeout, which fails the test) and returns its output. */
    static Run run(List<String> command, Path workDir, Map<String, String> env, int timeoutSeconds) {
        try {
            Path log = Files.createTempFile("node-image-tool", ".log");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                        .redirectErrorStream(true).redirectOutput(log.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
                builder.environment().clear();
                builder.environment().putAll(env);
                Process process = builder.start();
                if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError(String.join(" ", command) + " did not finish within " + timeoutSeconds
                            + " s:\n" + Files.readString(log, StandardCharsets.UTF_8));
                }
                return new Run(List.copyOf(command), process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + command.get(0), e);
        }
    }

    static Run run(List<String> command, Path workDir, int timeoutSeconds) {
        return run(command, workDir, new HashMap<>(System.getenv()), timeoutSeconds);
    }

    static List<String> command(Object... parts) {
        List<String> out = new ArrayList<>();
        for (Object part : parts) {
            out.add(part.toString());
        }
        return out;
    }
}
