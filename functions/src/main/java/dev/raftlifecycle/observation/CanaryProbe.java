package dev.raftlifecycle.observation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.contract.VaultAccess;
import dev.raftlifecycle.decisions.CanaryResult;
import dev.raftlifecycle.ports.VaultClient;
import dev.raftlifecycle.ports.ClusterCallException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * The publisher's canary: what a client of the cluster does, through the address clients use (the load balancer):
 * log in with AWS IAM (the token is kept across runs, as a client keeps its own), read the fixed canary secret and
 * check its value, write the time to the canary's write path. Each operation is cut at CANARY_TIMEOUT_MS and counts
 * as failed if it did not answer as expected within it. It never throws and never touches Raft.
 */
public final class CanaryProbe {
    private final java.util.function.Supplier<VaultClient> freshConnections;
    private final ClusterSessions sessions;
    private final String host;
    private final Duration timeout;
    private final Duration connectTimeout;
    private final Clock clock;

    private CanaryProbe(java.util.function.Supplier<VaultClient> freshConnections,
                        ClusterSessions sessions, String host, Duration timeout, Duration connectTimeout, Clock clock) {
        this.freshConnections = freshConnections;
        this.sessions = sessions;
        this.host = host;
        this.timeout = timeout;
        this.connectTimeout = connectTimeout;
        this.clock = clock;
    }

    /** The canary CANARY_ADDRESS asks for, logging in with {@code role}; empty when no address is set. */
    public static Optional<CanaryProbe> of(Settings settings, VaultClient vault, AwsCredentialsProvider credentials,
                                           Clock clock, String role) {
        return settings.canaryAddress().map(address -> {
            VaultClient through = vault.at(address.getPort(), settings.canaryTimeout());
            // Each run's read and write go over connections of their own, as a new client's would: a node whose
            // certificate changed since the pooled connections were opened fails the canary like it fails clients.
            java.util.function.Supplier<VaultClient> fresh = () -> through.withNewConnections(
                    dev.raftlifecycle.ports.VaultTls.context(settings.caPem(), settings.tlsServerName()),
                    settings.connectTimeout());
            return new CanaryProbe(fresh, new ClusterSessions(settings, through, credentials, clock, role),
                    host(address), settings.canaryTimeout(), settings.connectTimeout(), clock);
        });
    }

    private static String host(URI address) {
        String h = address.getHost();
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    /**
     * The longest a run can take: a login, a read and a write, each cut at the timeout after connecting (the login
     * through the Vault driver, whose timeouts are whole seconds), and one more login and call if a cached token is
     * refused.
     */
    public Duration budget() {
        Duration loginCut = Duration.ofSeconds((timeout.toMillis() + 999) / 1000).plus(connectTimeout);
        Duration callCut = timeout.plus(connectTimeout);
        return loginCut.multipliedBy(2).plus(callCut.multipliedBy(3));
    }

    /** Where the canary goes. */
    public String address() {
        return host;
    }

    public CanaryResult run() {
        long started = System.nanoTime();
        try {
            sessions.current(host);
        } catch (ClusterCallException e) {
            return CanaryResult.notRun(since(started), "login through " + host + " failed: " + e.getMessage());
        } catch (RuntimeException e) {
            return CanaryResult.notRun(since(started), "login through " + host + " failed: " + e.getClass().getSimpleName());
        }
        VaultClient client = freshConnections.get();
        try {
            return readAndWrite(client);
        } finally {
            client.release();
        }
    }

    /** The read and the write, over {@code client}'s connections (the login above is the session's, reused). */
    private CanaryResult readAndWrite(VaultClient client) {
        CanaryResult.Operation read = timed("read " + VaultAccess.CANARY_READ_PATH, () -> {
            JsonNode data = sessions.withSession(host, s -> client.kvRead(host, s, VaultAccess.CANARY_READ_PATH));
            String value = data.path(VaultAccess.CANARY_VALUE_FIELD).asText("");
            if (!VaultAccess.CANARY_VALUE.equals(value)) {
                throw new IllegalStateException(VaultAccess.CANARY_READ_PATH + " holds an unexpected value");
            }
        });
        CanaryResult.Operation write = timed("write " + VaultAccess.CANARY_WRITE_PATH, () -> sessions.withSession(host,
                s -> {
                    client.kvWrite(host, s, VaultAccess.CANARY_WRITE_PATH, Map.of("at", clock.instant().toString()));
                    return null;
                }));
        return new CanaryResult(read, write);
    }

    private interface Step {
        void run() throws ClusterCallException;
    }

    private CanaryResult.Operation timed(String what, Step step) {
        long started = System.nanoTime();
        try {
            step.run();
        } catch (ClusterCallException e) {
            return CanaryResult.Operation.failed(since(started), what + ": " + e.getMessage());
        } catch (RuntimeException e) {
            return CanaryResult.Operation.failed(since(started), what + ": " + e.getMessage());
        }
        Duration took = since(started);
        if (took.compareTo(timeout) > 0) {
            return CanaryResult.Operation.failed(took, what + " answered after " + took.toMillis() + " ms, beyond the "
                    + timeout.toMillis() + " ms deadline");
        }
        return new CanaryResult.Operation(true, took, what + " in " + took.toMillis() + " ms");
    }

    private static Duration since(long startedNanos) {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }
}
