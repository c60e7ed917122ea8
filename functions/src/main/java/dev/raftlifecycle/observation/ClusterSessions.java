package dev.raftlifecycle.observation;

import dev.raftlifecycle.config.Settings;
import dev.raftlifecycle.decisions.ReadFailure;
import dev.raftlifecycle.ports.IamLoginRequest;
import dev.raftlifecycle.ports.ClusterPort;
import dev.raftlifecycle.ports.ClusterCallException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * The handler's session with the cluster (a Vault token or a Consul ACL token): an AWS IAM login with the one role
 * this function is allowed (read-only for
 * the launching handler and the publisher, mutating for the terminating handler and the reconciler), reused while
 * valid across warm invocations, dropped when the cluster refuses it. Held in memory only; never logged.
 */
public final class ClusterSessions {
    private static final Duration REFRESH_BEFORE = Duration.ofSeconds(60);

    private final Settings settings;
    private final ClusterPort cluster;
    private final AwsCredentialsProvider credentials;
    private final Clock clock;
    private final String role;
    private ClusterPort.Session session;

    public ClusterSessions(Settings settings, ClusterPort cluster, AwsCredentialsProvider credentials, Clock clock, String role) {
        this.settings = settings;
        this.cluster = cluster;
        this.credentials = credentials;
        this.clock = clock;
        this.role = role;
    }

    /** The role this function logs in with (Vault; Consul maps the caller to its role with a binding rule). */
    public String role() {
        return role;
    }

    /** The cached session, or a fresh login through the given node. */
    public synchronized ClusterPort.Session current(String ip) throws ClusterCallException {
        Instant now = clock.instant();
        if (session != null && session.expiresAt().minus(REFRESH_BEFORE).isAfter(now)) {
            return session;
        }
        session = null;
        IamLoginRequest.Payload payload = IamLoginRequest.sign(credentials.resolveCredentials(), settings.stsUrl(),
                settings.stsRegion(), cluster.serverIdHeader(), settings.iamServerId(), clock);
        session = cluster.login(ip, settings.authMount(), role, payload, now);
        return session;
    }

    public synchronized void invalidate() {
        session = null;
    }

    /** A call made with the session; a refused token is dropped and the call retried once with a fresh login. */
    public <T> T withSession(String ip, Call<T> call) throws ClusterCallException {
        try {
            return call.run(current(ip));
        } catch (ClusterCallException e) {
            if (e.failure() != ReadFailure.DENIED) {
                throw e;
            }
            // The cached token may have been revoked or expired early: one fresh login, then give up.
            invalidate();
            return call.run(current(ip));
        }
    }

    /** One authenticated call. */
    @FunctionalInterface
    public interface Call<T> {
        T run(ClusterPort.Session session) throws ClusterCallException;
    }
}
