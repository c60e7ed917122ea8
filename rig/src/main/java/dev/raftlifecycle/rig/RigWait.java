package dev.raftlifecycle.rig;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** The rig's one way to wait: poll a condition, fail on timeout (or a node that exited) with the cluster's state. */
final class RigWait {
    private RigWait() {
    }

    /** Polls until the condition holds; on timeout fails with the cluster's state and crashed nodes' logs. */
    static void until(String description, Duration timeout, BooleanSupplier condition, Supplier<String> diagnostics) {
        Instant deadline = Instant.now().plus(timeout);
        RuntimeException lastError = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
                lastError = null;
            } catch (NodeExitedException e) {
                throw new RigException(e.getMessage() + "\n" + diagnostics.get(), e);
            } catch (RuntimeException e) {
                lastError = e;
            }
            MotoServer.sleep(200);
        }
        throw new RigException("timed out after " + timeout.toSeconds() + " s waiting for " + description
                + (lastError != null ? " (last error: " + lastError.getMessage() + ")" : "") + "\n" + diagnostics.get());
    }
}
