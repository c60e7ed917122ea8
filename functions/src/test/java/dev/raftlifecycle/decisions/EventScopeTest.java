package dev.raftlifecycle.decisions;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EventScopeTest {
    private static final List<String> GROUPS = List.of("vault-a", "vault-b", "vault-c");

    @Test
    void onlyAnInstanceOfTheClustersGroupsFromTheFunctionsOwnAccountIsOurs() {
        assertThat(EventScope.of("123456789012", "123456789012", true, Optional.of("vault-b"), Optional.empty(), GROUPS, "vault"))
                .isEqualTo(EventScope.Scope.OURS);
        assertThat(EventScope.of("210987654321", "123456789012", true, Optional.of("vault-b"), Optional.empty(), GROUPS, "vault"))
                .isEqualTo(EventScope.Scope.FOREIGN_ACCOUNT);
        assertThat(EventScope.of("123456789012", "123456789012", true, Optional.of("web-a"), Optional.empty(), GROUPS, "vault"))
                .isEqualTo(EventScope.Scope.FOREIGN_INSTANCE);
        assertThat(EventScope.of("123456789012", "123456789012", true, Optional.empty(), Optional.empty(), GROUPS, "vault"))
                .isEqualTo(EventScope.Scope.FOREIGN_INSTANCE);
        assertThat(EventScope.of("123456789012", "123456789012", false, Optional.empty(), Optional.empty(), GROUPS, "vault"))
                .isEqualTo(EventScope.Scope.FOREIGN_INSTANCE);
        // An event that names no account is refused: every EventBridge delivery names one.
        assertThat(EventScope.of("", "123456789012", true, Optional.of("vault-a"), Optional.empty(), GROUPS, "vault"))
                .isEqualTo(EventScope.Scope.NO_ACCOUNT);
        assertThat(EventScope.Scope.NO_ACCOUNT.reason()).isEqualTo(Reason.NO_ACCOUNT);
        assertThat(EventScope.Scope.FOREIGN_ACCOUNT.reason()).isEqualTo(Reason.FOREIGN_ACCOUNT);
    }

    @Test
    void everyEventMustNameTheFunctionsOwnAccount() {
        assertThat(EventScope.accountRefusal("123456789012", "123456789012")).isEmpty();
        assertThat(EventScope.accountRefusal("210987654321", "123456789012")).contains(Reason.FOREIGN_ACCOUNT);
        assertThat(EventScope.accountRefusal("", "123456789012")).contains(Reason.NO_ACCOUNT);
    }

    @Test
    void anInstanceThatLeftItsGroupIsStillTheClustersByItsClusterTag() {
        // Auto Scaling removes its group tag from an instance that leaves the group; the cluster tag stays.
        assertThat(EventScope.of("123456789012", "123456789012", true, Optional.empty(), Optional.of("vault"),
                GROUPS, "vault")).isEqualTo(EventScope.Scope.OURS);
        assertThat(EventScope.of("123456789012", "123456789012", true, Optional.empty(), Optional.of("other"),
                GROUPS, "vault")).isEqualTo(EventScope.Scope.FOREIGN_INSTANCE);
        assertThat(EventScope.of("123456789012", "123456789012", false, Optional.empty(), Optional.of("vault"),
                GROUPS, "vault")).isEqualTo(EventScope.Scope.FOREIGN_INSTANCE);
    }

    @Test
    void onlyFinalStatesCountAsGone() {
        assertThat(EventScope.gone("shutting-down")).isTrue();
        assertThat(EventScope.gone("terminated")).isTrue();
        assertThat(EventScope.gone("stopping")).isFalse();
        assertThat(EventScope.gone("running")).isFalse();
        assertThat(EventScope.gone("unknown")).isFalse();
    }
}
