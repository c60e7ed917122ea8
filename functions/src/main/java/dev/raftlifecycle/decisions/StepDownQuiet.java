package dev.raftlifecycle.decisions;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When a terminating instance whose Vault was stepped down may be let go. Vault 1.14 sleeps for ten seconds after
 * a step-down before it competes for the HA lock again (its {@code manualStepDownSleepPeriod}); the sleep begins once
 * the Raft leadership transfer is done, so it has begun by the time another leader is seen. A shutdown (the instance
 * stopping Vault after CONTINUE) waits for that sleep to end while it holds the node's state lock, and every request
 * to the node waits with it. Letting the instance go only once {@code quiet} has passed since another leader was
 * seen keeps that freeze away from clients. Pure arithmetic.
 */
public final class StepDownQuiet {
    private StepDownQuiet() {
    }

    /**
     * The instant to wait for before completing, if it is still ahead: {@code handedOverAt + quiet}, but never after
     * {@code latest} (the invocation's own deadline). Empty: complete now (no step-down, no quiet period, or it is
     * over).
     */
    public static Optional<Instant> waitUntil(Optional<Instant> handedOverAt, Duration quiet, Instant now, Instant latest) {
        if (handedOverAt.isEmpty() || quiet.isZero() || quiet.isNegative()) {
            return Optional.empty();
        }
        Instant end = handedOverAt.get().plus(quiet);
        if (!end.isAfter(now)) {
            return Optional.empty();
        }
        Instant capped = end.isAfter(latest) ? latest : end;
        return capped.isAfter(now) ? Optional.of(capped) : Optional.empty();
    }
}
