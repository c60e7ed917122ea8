package dev.raftlifecycle.rig.firstboot;

import dev.raftlifecycle.rig.Rig;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs ansible/firstboot.yml for real, on this machine (connection local), as the instance's first-boot
 * service does, with the playbook's variables in a JSON file passed as extra vars (the same mechanism as
 * /etc/raft-lifecycle/firstboot.json). Every path points into a scratch root.
 */
final class FirstBootPlaybook {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RECAP = Pattern.compile("localhost\\s*:\\s*ok=(\\d+)\\s+changed=(\\d+)\\s+"
            + "unreachable=(\\d+)\\s+failed=(\\d+)\\s+skipped=(\\d+)\\s+rescued=(\\d+)\\s+ignored=(\\d+)");

    private FirstBootPlaybook() {
    }

    /** The PLAY RECAP line of the run. */
    record Recap(int ok, int changed, int unreachable, int failed) {
    }

    record Result(NodeImageTools.Run run, Recap recap) {
        boolean succeeded() {
            return run.ok() && recap.failed() == 0 && recap.unreachable() == 0;
        }

        String output() {
            return run.output();
        }
    }

    /**
     * A scratch filesystem root for one run: the playbook's directories, all under {@code root}, for either role
     * (vault_node's /etc/vault.d and /opt/vault, consul_node's /etc/consul.d, /opt/consul, /opt/raft-lifecycle/bin).
     */
    record ScratchRoot(Path base, Path root) {
        static ScratchRoot create(Path base) {
            try {
                Path root = Files.createDirectories(base.resolve("root"));
                // The unit, logrotate and first-boot directories exist on any instance; the playbook does not create them.
                Files.createDirectories(root.resolve("etc/systemd/system"));
                Files.createDirectories(root.resolve("etc/logrotate.d"));
                Files.createDirectories(root.resolve("etc/raft-lifecycle"));
                return new ScratchRoot(base, root);
            } catch (IOException e) {
                throw new AssertionError("cannot create scratch root under " + base + ": " + e.getMessage(), e);
            }
        }

        Path configDir() {
            return root.resolve("etc/vault.d");
        }

        Path dataDir() {
            return root.resolve("opt/vault/data");
        }

        Path tlsDir() {
            return root.resolve("opt/vault/tls");
        }

        Path systemdDir() {
            return root.resolve("etc/systemd/system");
        }

        Path vaultHcl() {
            return configDir().resolve("vault.hcl");
        }

        Path consulConfigDir() {
            return root.resolve("etc/consul.d");
        }

        Path consulDataDir() {
            return root.resolve("opt/consul/data");
        }

        Path consulTlsDir() {
            return root.resolve("opt/consul/tls");
        }

        Path helperDir() {
            return root.resolve("opt/raft-lifecycle/bin");
        }

        /** The Vault audit log (vault_node_audit_log_file), in a directory the playbook creates. */
        Path auditLogFile() {
            return root.resolve("var/log/vault/audit.log");
        }

        /** The journal as a file (rsyslog writes it on an instance; *_journal_file). */
        Path journalFile() {
            return root.resolve("var/log/raft-lifecycle/journal.log");
        }

        Path logrotateDir() {
            return root.resolve("etc/logrotate.d");
        }

        /** The CloudWatch agent's logs configuration the playbook renders. */
        Path agentLogsConfig() {
            return root.resolve("etc/raft-lifecycle/cloudwatch-agent-logs.json");
        }

        Path consulHcl() {
            return consulConfigDir().resolve("consul.hcl");
        }

        /** Regular files anywhere under the root: what a failed run must not have left. */
        long regularFiles() {
            try (Stream<Path> files = Files.walk(root)) {
                return files.filter(Files::isRegularFile).count();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }

        private String group() {
            try {
                return Files.readAttributes(root, PosixFileAttributes.class).group().getName();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }

        /** The consul_node variables that put every file under this root, owned by the current user. */
        Map<String, Object> consulPathVariables() {
            String user = System.getProperty("user.name");
            Map<String, Object> vars = new LinkedHashMap<>();
            vars.put("consul_node_config_dir", consulConfigDir().toString());
            vars.put("consul_node_data_dir", consulDataDir().toString());
            vars.put("consul_node_tls_dir", consulTlsDir().toString());
            vars.put("consul_node_systemd_dir", systemdDir().toString());
            vars.put("consul_node_helper_dir", helperDir().toString());
            vars.put("consul_node_user", user);
            vars.put("consul_node_group", group());
            vars.put("consul_node_config_owner", user);
            vars.put("consul_node_journal_file", journalFile().toString());
            vars.put("consul_node_cloudwatch_agent_logs_config", agentLogsConfig().toString());
            return vars;
        }

        /** The vault_node variables that put every file of the playbook under this root, owned by the current user. */
        Map<String, Object> pathVariables() {
            String user = System.getProperty("user.name");
            String group = group();
            Map<String, Object> vars = new LinkedHashMap<>();
            vars.put("vault_node_config_dir", configDir().toString());
            vars.put("vault_node_data_dir", dataDir().toString());
            vars.put("vault_node_tls_dir", tlsDir().toString());
            vars.put("vault_node_systemd_dir", systemdDir().toString());
            vars.put("vault_node_user", user);
            vars.put("vault_node_group", group);
            vars.put("vault_node_config_owner", user);
            vars.put("vault_node_audit_log_file", auditLogFile().toString());
            vars.put("vault_node_log_reader_group", group);
            vars.put("vault_node_logrotate_dir", logrotateDir().toString());
            vars.put("vault_node_journal_file", journalFile().toString());
            vars.put("vault_node_cloudwatch_agent_logs_config", agentLogsConfig().toString());
            return vars;
        }
    }

    static Result run(ScratchRoot scratch, Map<String, Object> variables) {
        return run(scratch, variables, java.util.List.of());
    }

    /** The same run, with {@code wrapper} in front of ansible-playbook (e.g. strace and its options). */
    static Result run(ScratchRoot scratch, Map<String, Object> variables, java.util.List<String> wrapper) {
        Path varsFile = scratch.base().resolve("firstboot-" + System.nanoTime() + ".json");
        try {
            JSON.writerWithDefaultPrettyPrinter().writeValue(varsFile.toFile(), variables);
        } catch (IOException e) {
            throw new AssertionError("cannot write " + varsFile + ": " + e.getMessage(), e);
        }
        Map<String, String> env = NodeImageTools.ansibleEnvironment(scratch.base());
        // What an instance profile provides (here the rig's own principal: the emulator checks every signature).
        env.put("AWS_ACCESS_KEY_ID", Rig.shared().adminCredentials().accessKeyId());
        env.put("AWS_SECRET_ACCESS_KEY", Rig.shared().adminCredentials().secretAccessKey());
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        java.util.List<String> command = new java.util.ArrayList<>(wrapper);
        command.addAll(NodeImageTools.command(NodeImageTools.ansiblePlaybook(),
                NodeImageTools.ansibleDir().resolve("firstboot.yml"), "-e", "@" + varsFile));
        NodeImageTools.Run run = NodeImageTools.run(command, NodeImageTools.ansibleDir(), env, 300);
        Matcher recap = RECAP.matcher(run.output());
        Recap parsed = null;
        while (recap.find()) {
            parsed = new Recap(Integer.parseInt(recap.group(1)), Integer.parseInt(recap.group(2)),
                    Integer.parseInt(recap.group(3)), Integer.parseInt(recap.group(4)));
        }
        if (parsed == null) {
            throw new AssertionError("ansible-playbook printed no PLAY RECAP:\n" + run.describe());
        }
        return new Result(run, parsed);
    }
}
