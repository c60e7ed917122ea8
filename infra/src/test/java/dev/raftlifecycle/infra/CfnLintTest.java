package dev.raftlifecycle.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.raftlifecycle.infra.TestStacks.Scenario;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The synthesized templates pass cfn-lint (installed by scripts/lib/tools-infra.sh, found through RIG_CFN_LINT).
 * A missing cfn-lint fails the test: it is part of the checks, not optional.
 */
class CfnLintTest {

    /**
     * W3005 ("DependsOn already enforced by a GetAtt"): the CDK adds an explicit DependsOn from each function to its
     * role and role policy; it is redundant, not wrong. Nothing else is ignored.
     */
    static final List<String> IGNORED = List.of("W3005");

    static Path cfnLint() {
        String configured = System.getenv("RIG_CFN_LINT");
        if (configured == null || configured.isBlank()) {
            throw new AssertionError("RIG_CFN_LINT is not set: run the tests through scripts/test, or run "
                    + "`source scripts/lib/common.sh; source scripts/lib/tools-infra.sh; ensure_tools_infra` and "
                    + "export RIG_CFN_LINT");
        }
        Path path = Path.of(configured);
        if (!Files.isExecutable(path)) {
            throw new AssertionError("RIG_CFN_LINT=" + configured + " is not an executable cfn-lint");
        }
        return path;
    }

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void templatePassesCfnLint(Scenario scenario) throws IOException, InterruptedException {
        lint(TestStacks.get(scenario).templateFile());
    }

    /** The automation-only stack of an adopted cluster, too. */
    @ParameterizedTest
    @EnumSource(TestStacks.AdoptScenario.class)
    void adoptedClusterTemplatePassesCfnLint(TestStacks.AdoptScenario scenario) throws IOException, InterruptedException {
        lint(TestStacks.get(scenario).templateFile());
    }

    private static void lint(Path templateFile) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(cfnLint().toString(), "--format", "parseable"));
        for (String rule : IGNORED) {
            command.add("--ignore-checks");
            command.add(rule);
        }
        command.add("--");
        command.add(templateFile.toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("cfn-lint finished").isTrue();
        assertThat(process.exitValue()).as("cfn-lint on " + templateFile + ":\n" + output).isZero();
        assertThat(output.strip()).isEmpty();
    }
}
