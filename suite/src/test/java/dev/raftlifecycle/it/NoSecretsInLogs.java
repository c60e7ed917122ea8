package dev.raftlifecycle.it;

import dev.raftlifecycle.rig.RaftCluster;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * After every integration test (registered for all of them through the service loader): every line any handler
 * logged — every one, not a sample — is checked for secrets: Vault tokens, the cluster's root or management token,
 * for Consul the SecretID of every ACL token the cluster holds (the handlers' login tokens among them: checked by
 * value, since accessor ids are UUIDs too and may be logged), the Lambda role's secret key and session token, a SigV4
 * signature or a security-token header of the signed login. So is everything written to the JVM's standard error in
 * the meantime, where whatever a handler prints outside its log ends up.
 */
public final class NoSecretsInLogs implements BeforeEachCallback, AfterEachCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(NoSecretsInLogs.class);
    /**
     * In standard error, beside the harnesses' known secrets: a Vault token's form, a SigV4 signature, a session-token
     * header. (Not the bare word "Authorization", which an error message may name without carrying a secret.)
     */
    private static final Pattern STDERR_SECRET = Pattern.compile(
            "hv[sbr]\\.[A-Za-z0-9_-]{16,}|Signature=[0-9a-f]{16,}|X-Amz-Security-Token");

    static {
        StderrCapture.install();
    }

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
        List<HandlerHarness> harnesses = HandlerHarness.created();
        for (HandlerHarness harness : harnesses) {
            leaks.addAll(harness.uncheckedLinesWithSecrets());
        }
        List<String> stderr = StderrCapture.takeLines();
        if (!stderr.isEmpty() && !harnesses.isEmpty()) {
            leaks.addAll(stderrLinesWithSecrets(stderr, harnesses));
        }
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " log line(s) carry a secret, e.g.: " + leaks.get(0)
                    .replaceAll("[A-Za-z0-9+/=_.-]{16,}", "<redacted>"));
        }
    }

    /** Standard-error lines carrying any harness's secret (each cluster's secrets read once) or a token's form. */
    static List<String> stderrLinesWithSecrets(List<String> lines, List<HandlerHarness> harnesses) {
        Set<String> secrets = new HashSet<>();
        Set<RaftCluster> clusters = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (HandlerHarness harness : harnesses) {
            secrets.addAll(harness.credentialSecrets());
            clusters.add(harness.cluster);
        }
        for (RaftCluster cluster : clusters) {
            secrets.addAll(cluster.knownSecrets());
        }
        secrets.removeIf(s -> s == null || s.isBlank());
        List<String> leaks = new ArrayList<>();
        for (String line : lines) {
            if (STDERR_SECRET.matcher(line).find() || secrets.stream().anyMatch(line::contains)) {
                leaks.add("stderr: " + line);
            }
        }
        return leaks;
    }
}
