package dev.raftlifecycle.handlers;

import dev.raftlifecycle.ports.VaultClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The Vault token of warm invocations: reused until a minute before it expires, dropped when Vault
 * refuses it. Held in memory only; never logged.
 */
final class SessionCache {
    private static final Duration REFRESH_BEFORE = Duration.ofSeconds(60);
    private VaultClient.Session session;

    synchronized Optional<VaultClient.Session> current(Instant now) {
        if (session != null && session.expiresAt().minus(REFRESH_BEFORE).isAfter(now)) {
            return Optional.of(session);
        }
        session = null;
        return Optional.empty();
    }

    synchronized void store(VaultClient.Session fresh) {
        session = fresh;
    }

    synchronized void invalidate() {
        session = null;
    }
}
