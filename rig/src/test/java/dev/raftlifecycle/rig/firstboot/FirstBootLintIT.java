package dev.raftlifecycle.rig.firstboot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The first-boot playbook is lint-clean, parses, and documents every input it takes. */
class FirstBootLintIT {
    private static final Pattern DEFAULT = Pattern.compile("^((?:[a-z]+_(?:node|identity)|node_logs)_[a-z0-9_]+):",
            Pattern.MULTILINE);
    /** The roles whose variables are the playbook's inputs. */
    private static final List<String> ROLES = List.of("vault_node", "consul_node", "instance_identity", "node_logs");

    @TempDir
    Path scratch;

    @Test
    void ansibleLintPassesTheProductionProfile() {
        NodeImageTools.Run lint = NodeImageTools.run(NodeImageTools.command(NodeImageTools.ansibleLint(),
                "--nocolor", "--offline"), NodeImageTools.ansibleDir(), NodeImageTools.ansibleEnvironment(scratch), 300);
        assertThat(lint.ok()).as(lint.describe()).isTrue();
        assertThat(lint.output()).as(lint.describe())
                .contains("Profile 'production' was required, and it passed")
                .contains("0 failure(s), 0 warning(s)");
    }

    @Test
    void playbookPassesSyntaxCheck() {
        NodeImageTools.Run check = NodeImageTools.run(NodeImageTools.command(NodeImageTools.ansiblePlaybook(),
                        "--syntax-check", NodeImageTools.ansibleDir().resolve("firstboot.yml")),
                NodeImageTools.ansibleDir(), NodeImageTools.ansibleEnvironment(scratch), 120);
        assertThat(check.ok()).as(check.describe()).isTrue();
        assertThat(check.output()).as(check.describe()).doesNotContain("WARNING", "ERROR");
    }

    @Test
    void everyRoleVariableHasADefaultAndIsDocumentedInTheReadme() throws IOException {
        Set<String> variables = roleVariables();
        assertThat(variables).contains("vault_node_cluster_name", "vault_node_kms_key_id", "vault_node_tls_secret_id",
                "vault_node_imds_url", "vault_node_manage_service", "consul_node_datacenter",
                "consul_node_gossip_key_secret_id", "consul_node_retry_join_tag_value", "instance_identity_imds_url");
        variables.add("raft_lifecycle_system");
        String readme = Files.readString(NodeImageTools.ansibleDir().resolve("README.md"));
        List<String> undocumented = new ArrayList<>();
        for (String variable : variables) {
            if (!readme.contains("| `" + variable + "` |")) {
                undocumented.add(variable);
            }
        }
        assertThat(undocumented).as("variables missing from the table in ansible/README.md").isEmpty();
    }

    @Test
    void exampleFirstbootJsonUsesOnlyRoleVariables() throws IOException {
        JsonNode example = new ObjectMapper().readTree(NodeImageTools.ansibleDir()
                .resolve("firstboot.example.json").toFile());
        Set<String> keys = new LinkedHashSet<>();
        example.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).isNotEmpty();
        assertThat(roleVariables()).containsAll(keys);
        assertThat(example.path("vault_node_enterprise").isBoolean()).isTrue();

        JsonNode consul = new ObjectMapper().readTree(NodeImageTools.ansibleDir()
                .resolve("firstboot.consul.example.json").toFile());
        Set<String> consulKeys = new LinkedHashSet<>();
        consul.fieldNames().forEachRemaining(consulKeys::add);
        assertThat(consul.path("raft_lifecycle_system").asText()).isEqualTo("consul");
        consulKeys.remove("raft_lifecycle_system");
        assertThat(consulKeys).isNotEmpty().allMatch(k -> k.startsWith("consul_node_"));
        assertThat(roleVariables()).containsAll(consulKeys);
    }

    @Test
    void pathsSharedWithConfigureVaultAndTheAmiAreTheRolesDefaults() throws IOException {
        Path repo = NodeImageTools.repoRoot();
        // The audit log: configure-vault's --audit-file default is where the first boot prepares and rotates it.
        Matcher audit = Pattern.compile("(?m)^default_audit_file=\"([^\"]+)\"$")
                .matcher(Files.readString(repo.resolve("scripts/configure-vault")));
        assertThat(audit.find()).as("default_audit_file in scripts/configure-vault").isTrue();
        assertThat(roleDefault("vault_node", "vault_node_audit_log_file")).isEqualTo(audit.group(1));

        // The journal's file: what rsyslog writes (AMI) is what the agent is told to ship and logrotate rotates.
        Matcher journal = Pattern.compile("file=\"([^\"]+)\"")
                .matcher(Files.readString(NodeImageTools.amiDir().resolve("files/rsyslog-journal.conf")));
        assertThat(journal.find()).as("file=... in ami/files/rsyslog-journal.conf").isTrue();
        assertThat(roleDefault("vault_node", "vault_node_journal_file")).isEqualTo(journal.group(1));
        assertThat(roleDefault("consul_node", "consul_node_journal_file")).isEqualTo(journal.group(1));
        assertThat(Files.readString(NodeImageTools.amiDir().resolve("files/logrotate-journal")))
                .contains("\n" + journal.group(1) + " {\n");
        // The image installs the directory (cwagent's group), the rsyslog rule and the rotation.
        assertThat(Files.readString(NodeImageTools.amiDir().resolve("scripts/install.sh")))
                .contains("install -d -o root -g cwagent -m 0750 " + Path.of(journal.group(1)).getParent(),
                        "\"$STAGING/files/rsyslog-journal.conf\" /etc/rsyslog.d/",
                        "\"$STAGING/files/logrotate-journal\" /etc/logrotate.d/");
    }

    /** The default of a role variable whose value is a plain scalar on its line. */
    private static String roleDefault(String role, String variable) throws IOException {
        Matcher value = Pattern.compile("(?m)^" + Pattern.quote(variable) + ":\\s*\"?([^\"\\n]+?)\"?\\s*$")
                .matcher(Files.readString(NodeImageTools.ansibleDir().resolve("roles/" + role + "/defaults/main.yml")));
        assertThat(value.find()).as(variable + " in roles/" + role + "/defaults/main.yml").isTrue();
        return value.group(1);
    }

    private static Set<String> roleVariables() throws IOException {
        Set<String> names = new LinkedHashSet<>();
        for (String role : ROLES) {
            String defaults = Files.readString(NodeImageTools.ansibleDir().resolve("roles/" + role + "/defaults/main.yml"));
            Matcher matcher = DEFAULT.matcher(defaults);
            while (matcher.find()) {
                names.add(matcher.group(1));
            }
        }
        return names;
    }
}
