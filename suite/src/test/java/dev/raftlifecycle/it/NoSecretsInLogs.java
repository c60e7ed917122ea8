package dev.raftlifecycle.it;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * After every integration test (registered for all of them through the service loader): every line any handler
 * logged — every one, not a sample — is checked for secrets: Vault tokens, the cluster's root token, the Lambda
 * role's secret key and session token, a SigV4 signature or a security-token header of the signed login.
 */
public final class NoSecretsInLogs implements BeforeEachCallback, AfterEachCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(NoSecretsInLogs.class);

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NAMESPACE).put("started", java.time.Instant.now());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        check();
        java.time.Instant started = context.getStore(NAMESPACE).get("started", java.time.Instant.class);
        if (context.getExecutionException().isPresent() && started != null) {
            // Diagnostics for a failed test: the decision lines its handlers logged (already checked for secrets).
            for (HandlerHarness harness : HandlerHarness.created()) {
                if (harness.madeByCurrentTestSince(started)) {
                    harness.decisionLines().forEach(l -> System.err.println("handler log of "
                            + context.getDisplayName() + ": " + l));
                }
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        check();
    }

    private static void check() {
        List<String> leaks = new ArrayList<>();
        for (HandlerHarness harness : HandlerHarness.created()) {
            leaks.addAll(harness.uncheckedLinesWithSecrets());
        }
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " log line(s) carry a secret, e.g.: " + leaks.get(0)
                    .replaceAll("[A-Za-z0-9+/=_.-]{16,}", "<redacted>"));
        }
    }
}
