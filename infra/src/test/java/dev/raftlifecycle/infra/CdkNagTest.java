package dev.raftlifecycle.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.infra.TestStacks.Scenario;
import dev.raftlifecycle.infra.TestStacks.Synthesized;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;

/** cdk-nag's AwsSolutions pack, applied by the app itself: no unsuppressed finding, error or warning. */
class CdkNagTest {

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void noUnsuppressedAwsSolutionsFindings(Scenario scenario) {
        Annotations annotations = Annotations.fromStack(TestStacks.get(scenario).stack());
        annotations.hasNoError("*", Match.stringLikeRegexp("AwsSolutions-.*"));
        annotations.hasNoWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"));
        // No other error of any kind either (the CDK's own template validation reports here too), and no warning
        // but the deliberate ones: an even voter count, no break-glass principals, no named key administrators.
        annotations.hasNoError("*", Match.anyValue());
        annotations.hasNoWarning("*", Match.not(Match.stringLikeRegexp(
                ".*(even voter count|No breakGlassPrincipals: |No keyAdmins: ).*")));
    }

    /** The automation-only stack of an adopted cluster passes the same checks. */
    @ParameterizedTest
    @EnumSource(TestStacks.AdoptScenario.class)
    void noUnsuppressedAwsSolutionsFindingsOnAnAdoptedCluster(TestStacks.AdoptScenario scenario) {
        Annotations annotations = Annotations.fromStack(TestStacks.get(scenario).stack());
        annotations.hasNoError("*", Match.stringLikeRegexp("AwsSolutions-.*"));
        annotations.hasNoWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"));
        annotations.hasNoError("*", Match.anyValue());
        annotations.hasNoWarning("*", Match.not(Match.stringLikeRegexp(
                ".*(No breakGlassPrincipals: |No keyAdmins: ).*")));
    }

    @Test
    void aVaultStackWithoutBreakGlassOrKeyAdminsSaysWhatThatCosts() {
        Annotations defaults = Annotations.fromStack(TestStacks.get(Scenario.DEFAULT).stack());
        defaults.hasWarning("*", Match.stringLikeRegexp(".*No breakGlassPrincipals: the TLS secret's resource policy.*"));
        defaults.hasWarning("*", Match.stringLikeRegexp(".*No keyAdmins: the unseal key's only administrator.*"));
        Annotations named = Annotations.fromStack(TestStacks.get(Scenario.INIT_WINDOW).stack());
        named.hasNoWarning("*", Match.stringLikeRegexp(".*(No breakGlassPrincipals|No keyAdmins).*"));
    }

    @ParameterizedTest
    @EnumSource(value = Scenario.class, names = {"EXISTING_VPC_ENTERPRISE", "CONSUL", "CONSUL_EXISTING_VPC"})
    void everySuppressionCarriesItsReason(Scenario scenario) {
        Synthesized synth = TestStacks.get(scenario);
        int suppressions = 0;
        for (JsonNode resource : synth.json().path("Resources")) {
            for (JsonNode suppression : resource.path("Metadata").path("cdk_nag").path("rules_to_suppress")) {
                assertThat(suppression.path("id").asText()).startsWith("AwsSolutions-");
                assertThat(suppression.path("reason").asText()).as(suppression.toString()).hasSizeGreaterThan(60);
                // Reasons speak about the system deployed: no Vault-only wording on a Consul stack's resources.
                if (synth.config().consul()) {
                    assertThat(suppression.path("reason").asText()).doesNotContain("unseal", "audit device only");
                }
                suppressions++;
            }
        }
        assertThat(suppressions).isGreaterThanOrEqualTo(10);
    }

    @Test
    void anEvenVoterCountIsWarnedAbout() {
        Annotations.fromStack(TestStacks.get(Scenario.EVEN_VOTERS).stack())
                .hasWarning("*", Match.stringLikeRegexp(".*6 voters.*even voter count.*"));
        Annotations.fromStack(TestStacks.get(Scenario.DEFAULT).stack())
                .hasNoWarning("*", Match.stringLikeRegexp(".*even voter count.*"));
        // Enterprise redundancy zones keep one voter per zone: 3, whatever nodesPerAz.
        Annotations.fromStack(TestStacks.get(Scenario.EXISTING_VPC_ENTERPRISE).stack())
                .hasNoWarning("*", Match.stringLikeRegexp(".*even voter count.*"));
    }
}
