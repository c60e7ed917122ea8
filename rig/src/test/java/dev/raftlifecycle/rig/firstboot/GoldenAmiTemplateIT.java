package dev.raftlifecycle.rig.firstboot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.rig.Tools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Packer template is formatted and valid, with the Amazon plugin installed the way {@code packer init}
 * would install it; the first-boot unit it installs passes systemd's own check. A full {@code packer validate}
 * needs no AWS credentials here: the base image is found by a source_ami_filter at build time (no data
 * source is evaluated), so validation is offline.
 */
class GoldenAmiTemplateIT {
    @TempDir
    Path scratch;

    @Test
    void packerFmtFindsNothingToReformat() {
        NodeImageTools.Run fmt = packer("fmt", "-check", "-diff", "-recursive", ".");
        assertThat(fmt.ok()).as(fmt.describe()).isTrue();
    }

    @Test
    void packerValidatesTheTemplateWithTheAmazonPluginInstalled() {
        NodeImageTools.Run validate = packer("validate", ".");
        assertThat(validate.ok()).as(validate.describe()).isTrue();
        assertThat(validate.output()).as(validate.describe()).contains("The configuration is valid.")
                .doesNotContain("Bundled plugins used");
    }

    @Test
    void packerValidateRejectsAMalformedVaultChecksum() {
        NodeImageTools.Run validate = packer("validate", "-var", "vault_sha256=not-a-checksum", ".");
        assertThat(validate.ok()).as(validate.describe()).isFalse();
        assertThat(validate.output()).contains("vault_sha256 must be 64 lowercase hex digits");
    }

    @Test
    void packerValidatesTheConsulBuildAndRejectsAnUnknownSystemOrAMalformedConsulChecksum() {
        NodeImageTools.Run consul = packer("validate", "-var", "system=consul", ".");
        assertThat(consul.ok()).as(consul.describe()).isTrue();
        NodeImageTools.Run unknown = packer("validate", "-var", "system=nomad", ".");
        assertThat(unknown.ok()).as(unknown.describe()).isFalse();
        assertThat(unknown.output()).contains("system must be vault or consul");
        NodeImageTools.Run checksum = packer("validate", "-var", "system=consul", "-var", "consul_sha256=abc", ".");
        assertThat(checksum.ok()).as(checksum.describe()).isFalse();
        assertThat(checksum.output()).contains("consul_sha256 must be 64 lowercase hex digits");
    }

    @Test
    void vaultAndConsulPinsAreVersionsWithTheirSha256() throws IOException {
        String pins = Files.readString(NodeImageTools.amiDir().resolve("versions.auto.pkrvars.hcl"));
        assertThat(pins).containsPattern("(?m)^vault_version\\s*=\\s*\"\\d+\\.\\d+\\.\\d+\"$")
                .containsPattern("(?m)^vault_sha256\\s*=\\s*\"[0-9a-f]{64}\"$")
                // The Consul the rig's tests run (scripts/lib/tools-consul.sh builds it) is the one the AMI installs.
                .containsPattern("(?m)^consul_version\\s*=\\s*\"" + Tools.consulVersion(Tools.consul())
                        .replaceFirst("^v", "").replace(".", "\\.") + "\"$")
                .containsPattern("(?m)^consul_sha256\\s*=\\s*\"[0-9a-f]{64}\"$");
    }

    @Test
    void theAmazonPluginIsPinnedToExactlyTheReleaseTheTestsBuild() throws IOException {
        String template = Files.readString(NodeImageTools.amiDir().resolve("raft-lifecycle-node.pkr.hcl"));
        Matcher pin = Pattern.compile("(?m)^\\s*version\\s*=\\s*\"= (\\d+\\.\\d+\\.\\d+)\"$").matcher(template);
        assertThat(pin.find()).as("required_plugins amazon version = \"= x.y.z\" (an exact version)").isTrue();
        Matcher built = Pattern.compile("(?m)^require github.com/hashicorp/packer-plugin-amazon v(\\S+)$")
                .matcher(Files.readString(NodeImageTools.amiDir().resolve("packer-plugin-build/go.mod")));
        assertThat(built.find()).isTrue();
        assertThat(pin.group(1)).isEqualTo(built.group(1));
    }

    @Test
    void pipInstallsOnlyHashPinnedFiles() throws IOException {
        String install = Files.readString(NodeImageTools.amiDir().resolve("scripts/install.sh"));
        assertThat(install).containsPattern("pip\" install [^\\n]*--only-binary=:all: --require-hashes \\\\\n\\s+-r "
                + "\"\\$STAGING/ansible/requirements.txt\"");
        assertThat(Files.readString(NodeImageTools.repoRoot().resolve("scripts/lib/tools-node.sh")))
                .contains("--require-hashes -r \"$REPO_ROOT/ansible/requirements.txt\"");
        // Every requirement is an exact pin followed by at least one SHA-256.
        String requirements = Files.readString(NodeImageTools.ansibleDir().resolve("requirements.txt"));
        List<String> entries = Pattern.compile("\\s*\\\\\n\\s+").splitAsStream(requirements)
                .collect(java.util.stream.Collectors.joining(" ")).lines()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        assertThat(entries).hasSizeGreaterThanOrEqualTo(10).allSatisfy(entry -> assertThat(entry)
                .matches("[A-Za-z0-9._-]+==[0-9][A-Za-z0-9.]*( --hash=sha256:[0-9a-f]{64})+"));
    }

    @Test
    void firstBootUnitPassesSystemdVerifyAndRunsTheBakedPlaybook() throws IOException {
        Path unit = NodeImageTools.amiDir().resolve("files/raft-lifecycle-firstboot.service");
        NodeImageTools.Run verify = SystemdUnits.verify(unit, scratch);
        assertThat(verify.ok()).as(verify.describe()).isTrue();
        assertThat(SystemdUnits.findings(verify)).as(verify.describe()).isEmpty();

        // The unit runs what install.sh installs, with the file the launch template's user data writes.
        String text = Files.readString(unit);
        String install = Files.readString(NodeImageTools.amiDir().resolve("scripts/install.sh"));
        Matcher exec = Pattern.compile("(?m)^ExecStart=(\\S+) (\\S+) -e @(\\S+)$").matcher(text);
        assertThat(exec.find()).as("ExecStart=<ansible-playbook> <playbook> -e @<json>").isTrue();
        assertThat(exec.group(1)).isEqualTo("/opt/raft-lifecycle/venv/bin/ansible-playbook");
        assertThat(exec.group(2)).isEqualTo("/opt/raft-lifecycle/ansible/firstboot.yml");
        assertThat(exec.group(3)).isEqualTo("/etc/raft-lifecycle/firstboot.json");
        assertThat(install).contains("PREFIX=/opt/raft-lifecycle", "python3.11 -m venv \"$PREFIX/venv\"",
                "cp -r \"$STAGING/ansible\" \"$PREFIX/ansible\"", "systemctl enable raft-lifecycle-firstboot.service");
        assertThat(text).contains("ConditionPathExists=/etc/raft-lifecycle/firstboot.json");
    }

    @Test
    void systemdVerifyReportsAMistakeInAUnit() throws IOException {
        // The control for the two checks above: a unit with an unknown key and a bad value is reported.
        Path unit = Files.writeString(scratch.resolve("broken.service"), """
                [Unit]
                Description=broken on purpose

                [Service]
                Type=oneshotish
                ExecStart=/usr/bin/true
                ProtectSystm=full
                """);
        NodeImageTools.Run verify = SystemdUnits.verify(unit, scratch);
        assertThat(SystemdUnits.findings(verify)).as(verify.describe()).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void installScriptVerifiesTheServerZipBeforeInstallingIt() throws IOException {
        List<String> lines = Files.readAllLines(NodeImageTools.amiDir().resolve("scripts/install.sh"));
        int check = indexOf(lines, "sha256sum --check --strict");
        int unzip = indexOf(lines, "unzip -q -o \"$work/$zip\"");
        int install = indexOf(lines, "install -o root -g root -m 0755 \"$work/$SYSTEM\" \"/usr/bin/$SYSTEM\"");
        assertThat(check).isPositive();
        assertThat(unzip).isGreaterThan(check);
        assertThat(install).isGreaterThan(unzip);
        assertThat(String.join("\n", lines)).doesNotContain("systemctl start vault", "systemctl enable vault",
                "systemctl start consul", "systemctl enable consul", "systemctl start \"$SYSTEM",
                "systemctl enable \"$SYSTEM");
        // The template hands the chosen system's pin to the script.
        String template = Files.readString(NodeImageTools.amiDir().resolve("raft-lifecycle-node.pkr.hcl"));
        assertThat(template).contains("\"SYSTEM=${var.system}\"", "\"SERVER_VERSION=${local.server_version}\"",
                "\"SERVER_SHA256=${local.server_sha256}\"");
    }

    @Test
    void provisioningAndToolScriptsPassShellcheck() {
        NodeImageTools.Run check = NodeImageTools.run(NodeImageTools.command(NodeImageTools.shellcheck(),
                NodeImageTools.amiDir().resolve("scripts/install.sh"),
                NodeImageTools.repoRoot().resolve("scripts/lib/tools-node.sh")), NodeImageTools.repoRoot(), 60);
        assertThat(check.ok()).as(check.describe()).isTrue();
        assertThat(check.output()).as(check.describe()).isBlank();
    }

    private static int indexOf(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }

    private NodeImageTools.Run packer(String... args) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("PACKER_"));
        env.put("PACKER_PLUGIN_PATH", NodeImageTools.packerPluginPath().toString());
        env.put("PACKER_CONFIG_DIR", scratch.resolve("packer-config").toString());
        env.put("PACKER_CACHE_DIR", scratch.resolve("packer-cache").toString());
        env.put("CHECKPOINT_DISABLE", "1");
        env.put("HOME", scratch.toString());
        List<String> command = new java.util.ArrayList<>(List.of(NodeImageTools.packer().toString()));
        command.addAll(List.of(args));
        return NodeImageTools.run(command, NodeImageTools.amiDir(), env, 180);
    }
}
